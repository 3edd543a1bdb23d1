// The student's page (/lab/<lab>): its tabs, the five steps of each variant (quiz, predict,
// run, grade, diff), try your own, probe by hand and the terminal. The live cells are
// web.js's (the same events as every page); this script only sends what the student did and
// shows the server's answer, which the server has already put in words.
"use strict";
(function () {
  const body = document.body;
  const lab = body.dataset.lab;
  const api = (path) => `/api/labs/${encodeURIComponent(lab)}${path}`;
  const t = (key) => body.dataset["t" + key.split("-").map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join("")] || key;

  async function call(method, path, payload, type) {
    const init = { method, credentials: "same-origin", headers: {} };
    if (payload !== undefined) { init.body = payload; init.headers["Content-Type"] = type || "application/json"; }
    const answer = await fetch(api(path), init);
    let data = {};
    try { data = await answer.json(); } catch (e) { data = { error: answer.statusText }; }
    return { status: answer.status, ok: answer.ok, data };
  }
  function said(where, text, bad) { where.textContent = text; where.classList.toggle("bad", !!bad); }
  function show(pre, text) { pre.textContent = text; pre.hidden = !text; }

  // --- tabs, variants, steps: the address says where one is (#workshop:method1:predict) ---
  function place() {
    const [tab, variant, step] = (location.hash.slice(1) || "workshop").split(":");
    document.querySelectorAll("section.tab").forEach((s) => { s.hidden = s.dataset.tab !== tab; });
    document.querySelectorAll("nav.tabs a").forEach((a) => a.classList.toggle("on", a.dataset.tab === tab));
    if (tab !== "workshop") return;
    const first = document.querySelector("button.variant-pick").dataset.variant;
    const chosen = document.querySelector(`section.variant[data-variant="${CSS.escape(variant || first)}"]`) ||
                   document.querySelector(`section.variant[data-variant="${CSS.escape(first)}"]`);
    document.querySelectorAll("section.variant").forEach((s) => { s.hidden = s !== chosen; });
    document.querySelectorAll("button.variant-pick").forEach((b) => b.classList.toggle("on", b.dataset.variant === chosen.dataset.variant));
    const wanted = step || "quiz";
    chosen.querySelectorAll("div.step").forEach((d) => { d.hidden = d.dataset.step !== wanted; });
    chosen.querySelectorAll("nav.steps button").forEach((b) => b.classList.toggle("on", b.dataset.step === wanted));
  }
  function go(variant, step) { location.hash = `workshop:${variant}:${step}`; }
  function steps() {
    document.querySelectorAll("button.variant-pick").forEach((b) => b.addEventListener("click", () => go(b.dataset.variant, "quiz")));
    document.querySelectorAll("section.variant").forEach((v) => {
      v.querySelectorAll("nav.steps button").forEach((b) => b.addEventListener("click", () => go(v.dataset.variant, b.dataset.step)));
    });
    window.addEventListener("hashchange", place);
    place();
  }

  // --- predict, run, grade, diff ----------------------------------------------------------
  function predictions(variant) {
    const form = document.querySelector(`form.predict[data-variant="${CSS.escape(variant)}"]`);
    return Object.fromEntries(Array.from(form.querySelectorAll("select")).map((s) => [s.name, s.value || null]));
  }
  function workshop() {
    document.querySelectorAll("form.predict").forEach((form) => form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const v = form.dataset.variant;
      const r = await call("PUT", `/sheets/${encodeURIComponent(v)}?grade=0`, JSON.stringify(predictions(v)));
      said(form.querySelector(".said"), r.ok ? `${t("saved")}: ${r.data.saved}` : `${r.status}: ${r.data.error}`, !r.ok);
      if (r.ok) go(v, "run");
    }));
    document.querySelectorAll("button.run").forEach((b) => b.addEventListener("click", async () => {
      const r = await call("POST", `/verify/${encodeURIComponent(b.dataset.variant)}`);
      said(document.getElementById("status"), r.ok ? `${t("running")}: ${b.dataset.variant}` : `${r.status}: ${r.data.error}`, !r.ok);
    }));
    document.querySelectorAll("button.grade-it").forEach((b) => b.addEventListener("click", async () => {
      const v = b.dataset.variant, step = b.closest("div.step");
      const score = step.querySelector(".score");
      said(score, t("grading"));
      const r = await call("PUT", `/sheets/${encodeURIComponent(v)}`, JSON.stringify(predictions(v)));
      if (!r.ok) { said(score, `${r.status}: ${r.data.error}`, true); show(step.querySelector(".explained"), ""); return; }
      said(score, `${r.data.score}/${r.data.total}`);
      score.classList.toggle("good", r.data.score === r.data.total);
      show(step.querySelector(".explained"), r.data.text);
      document.querySelectorAll(`.grade[data-variant="${CSS.escape(v)}"]`).forEach((g) => { g.textContent = `${r.data.score}/${r.data.total}`; });
    }));
    document.querySelectorAll("button.diff-it").forEach((b) => b.addEventListener("click", async () => {
      const step = b.closest("div.step"), other = step.querySelector("select.other").value;
      const r = await call("GET", `/diff/${encodeURIComponent(b.dataset.variant)}/${encodeURIComponent(other)}`);
      show(step.querySelector(".diffed"), r.ok ? r.data.text : `${r.status}: ${r.data.error}`);
    }));
  }

  // --- try your own -----------------------------------------------------------------------
  function tryOwn() {
    const form = document.getElementById("try");
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const verdict = document.getElementById("try-verdict"), out = document.getElementById("try-out");
      said(form.querySelector(".said"), t("trying"));
      verdict.textContent = ""; verdict.className = "verdict"; show(out, "");
      const r = await call("POST", `/try?server=${encodeURIComponent(form.server.value)}`, form.fragment.value, "text/plain");
      said(form.querySelector(".said"), "");
      if (r.status === 200) {
        verdict.textContent = r.data.goal_met ? `✓ ${t("goal-met")}` : `✗ ${t("goal-broken")}: ${r.data.broken.join(", ")}`;
        verdict.className = "verdict " + (r.data.goal_met ? "goal-met" : "goal-broken");
        show(out, r.data.text);
      } else if (r.data.refused) {
        verdict.textContent = `✗ ${t("refused")}`;
        verdict.className = "verdict goal-broken refused";
        show(out, r.data.error);
      } else {
        said(form.querySelector(".said"), `${r.status}: ${r.data.error}`, true);
      }
    });
  }

  // --- probe by hand ----------------------------------------------------------------------
  function dialogue(steps) {
    return (steps || []).map((s) => `> ${s.command || ""}\n< ${s.code || ""} ${(s.reply || s.error || "").replace(/\n/g, "\n< ")}`).join("\n");
  }
  function probeByHand() {
    const form = document.getElementById("probe");
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const out = document.getElementById("probe-out");
      const ask = { client: form.client.value, trace: form.trace.checked };
      if (form.mode.value === "plan") ask.probe = form.probe.value;
      else Object.assign(ask, { from: form.from.value, to: form.to.value, auth: form.auth.value || null, wrong_password: form.wrong_password.checked });
      said(form.querySelector(".said"), t("probing"));
      show(out, "");
      const r = await call("POST", "/probe", JSON.stringify(ask));
      said(form.querySelector(".said"), r.ok ? "" : `${r.status}: ${r.data.error}`, !r.ok);
      if (r.ok) show(out, [...r.data.lines, "", dialogue(r.data.row.transcript), ...(r.data.trace ? ["", ...r.data.trace] : [])].join("\n"));
    });
    form.probe.addEventListener("change", () => { const c = form.probe.selectedOptions[0].dataset.client; if (c) form.client.value = c; });
  }

  // --- the terminal -----------------------------------------------------------------------
  let open = null;  // {term, socket, fit}
  function terminal() {
    const box = document.getElementById("term"), state = document.getElementById("term-status");
    document.querySelectorAll("button.open-shell").forEach((b) => b.addEventListener("click", () => {
      if (open) { open.socket.close(); open.term.dispose(); open = null; }
      const term = new window.Terminal({ cursorBlink: true, fontSize: 14, scrollback: 2000, convertEol: false });
      const fit = new window.FitAddon.FitAddon();
      term.loadAddon(fit);
      box.replaceChildren();
      term.open(box);
      fit.fit();
      const scheme = location.protocol === "https:" ? "wss" : "ws";
      const socket = new WebSocket(`${scheme}://${location.host}${api(`/terminal/${encodeURIComponent(b.dataset.host)}`)}`);
      open = { term, socket, fit };
      window.terminalSocket = socket;
      said(state, `${t("connecting")} ${b.dataset.host}`);
      const size = () => { if (socket.readyState === 1) socket.send(JSON.stringify({ resize: [term.cols, term.rows] })); };
      socket.onopen = () => { said(state, b.dataset.host); size(); term.focus(); };
      socket.onmessage = (m) => term.write(m.data);
      socket.onclose = (m) => { said(state, `${b.dataset.host}: ${m.code === 1000 ? t("closed") : m.reason || m.code}`, m.code !== 1000); };
      term.onData((data) => { if (socket.readyState === 1) socket.send(data); });
      term.onResize(size);
      window.terminal = term;
    }));
    window.addEventListener("resize", () => { if (open) open.fit.fit(); });
    window.addEventListener("hashchange", () => { if (open && location.hash.startsWith("#terminal")) open.fit.fit(); });
    window.addEventListener("pagehide", () => { if (open) open.socket.close(); });
  }

  // --- the lab's health and active variant ------------------------------------------------
  async function health(fresh) {
    const r = await call("GET", fresh === true ? "?fresh=1" : "");
    const where = document.getElementById("health");
    if (!r.ok) { said(where, `${r.status}: ${r.data.error}`, true); return; }
    const sick = Object.entries(r.data.health).filter(([, s]) => s !== "healthy");
    said(where, sick.length ? sick.map(([h, s]) => `${h}: ${s}`).join(", ") : t("healthy"), sick.length > 0);
    where.title = Object.entries(r.data.health).map(([h, s]) => `${h}: ${s}`).join("\n");
    document.getElementById("active").textContent = r.data.variant || t("none");
  }

  document.addEventListener("DOMContentLoaded", () => {
    steps();
    workshop();
    tryOwn();
    probeByHand();
    terminal();
    health();
    setInterval(health, 30000);
    if (window.eventSource) ["done", "failed"].forEach((kind) => window.eventSource.addEventListener(kind, () => health(true)));
  });
})();
