// make web: the pages' one script. It places what the server decided (cells come drawn, in
// data) and follows the events: a probe's cell as it finishes, a run's end, a lab's health.
"use strict";
(function () {
  const body = document.body;
  const t = (key) => body.dataset["t" + key.charAt(0).toUpperCase() + key.slice(1)] || key;
  const rows = {};              // "variant/probe" -> the row (ProbeResult) of the latest event
  window.cellLatency = [];      // ms from a probe's end (the journal's time) to its cell on the page

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  function status(text) { const s = document.getElementById("status"); if (s) s.textContent = text; }

  // --- cells ------------------------------------------------------------------------------
  function place(variant, probe, cell, live) {
    document.querySelectorAll(`[data-variant="${CSS.escape(variant)}"][data-probe="${CSS.escape(probe)}"]`).forEach((e) => {
      const show = e.dataset.show || "full";
      const goal = cell.css.split(" ")[0];
      if (show === "full") { e.textContent = `${cell.mark} ${cell.actual}${cell.ok ? "" : " ≠"}`; e.className = "cell " + cell.css; }
      if (show === "outcome") { e.textContent = cell.actual; e.className = "outcome cell " + cell.css; }
      if (show === "q1") e.textContent = cell.ok ? "✓" : "≠";
      if (show === "q2") {
        e.textContent = `${cell.mark} ${t(cell.goal_met ? "met" : cell.goal_met === false ? "broken" : "outside")}`;
        e.className = "q2 " + goal;
      }
      if (show === "mark") { e.textContent = cell.mark + (cell.ok ? "" : "≠"); e.className = "cell " + cell.css; e.title = `${variant} · ${probe}: ${cell.actual}`; }
      if (show === "full" || show === "outcome") e.title = `${t("expected")}: ${cell.expected || "-"}`;
      e.dataset.placed = String(Date.now());
      if (live) e.dataset.live = e.dataset.placed;  // placed as its probe finished, before the run ended
    });
  }
  function clear(variant) {
    document.querySelectorAll(`[data-variant="${CSS.escape(variant)}"][data-probe]`).forEach((e) => {
      const show = e.dataset.show || "full";
      if (show === "full" || show === "outcome" || show === "mark") { e.className = (show === "outcome" ? "outcome " : "") + "cell pending"; e.textContent = show === "mark" ? "" : "…"; }
      if (show === "q1" || show === "q2") { e.textContent = ""; e.className = show; }
    });
    document.querySelectorAll(`.run-goal[data-variant="${CSS.escape(variant)}"]`).forEach((e) => { e.className = e.className.replace(/goal-\w+/g, ""); });
    document.querySelectorAll(`th.v[data-variant="${CSS.escape(variant)}"]`).forEach((e) => e.classList.add("running"));
  }
  function finished(variant, data) {
    document.querySelectorAll(`th.v[data-variant="${CSS.escape(variant)}"]`).forEach((e) => e.classList.remove("running"));
    if (data.cells) Object.entries(data.cells).forEach(([probe, cell]) => place(variant, probe, cell));
    const verdict = document.getElementById("verdict");
    document.querySelectorAll(`.run-goal[data-variant="${CSS.escape(variant)}"]`).forEach((e) => {
      e.className = e.className.replace(/goal-\w+/g, "") + (data.goal_met ? " goal-met" : " goal-broken");
      if (e === verdict) e.textContent = data.goal_met ? verdict.dataset.tMet : `${verdict.dataset.tBroken}: ${(data.broken || []).join(", ")}`;
      else e.textContent = data.goal_met ? "✓" : "✗";
    });
  }

  // --- the events -------------------------------------------------------------------------
  const running = {};  // variant -> true while its cells fill in
  function follow(url) {
    const source = new EventSource(url);
    source.addEventListener("probe", (m) => {
      const d = JSON.parse(m.data);
      if (d.tried) return;
      if (!running[d.variant]) { running[d.variant] = true; clear(d.variant); }
      rows[d.variant + "/" + d.probe] = d.row;
      place(d.variant, d.probe, d.cell, true);
      window.cellLatency.push(Date.now() - d.at * 1000);
      if (body.dataset.class) activity(d.lab, `${t("running")}: ${d.variant} (${d.probe})`);
      else status(`${t("running")}: ${d.variant} · ${d.probe}: ${d.actual}`);
    });
    source.addEventListener("done", (m) => {
      const d = JSON.parse(m.data);
      if (d.tried) return;
      running[d.variant] = false;
      finished(d.variant, d);
      if (body.dataset.class) { activity(d.lab, ""); last(d); }
      else status(`${d.variant}: ${d.ok ? t("ok") : t("mismatch")}`);
    });
    source.addEventListener("failed", (m) => {
      const d = JSON.parse(m.data);
      running[d.variant] = false;
      document.querySelectorAll(`th.v[data-variant="${CSS.escape(d.variant)}"]`).forEach((e) => e.classList.remove("running"));
      if (body.dataset.class) activity(d.lab, `${t("failed")}: ${d.variant}: ${d.why}`);
      else status(`${t("failed")}: ${d.variant}: ${d.why}`);
    });
    source.addEventListener("health", (m) => health(JSON.parse(m.data)));
    source.addEventListener("class", (m) => progress(JSON.parse(m.data)));
    window.eventSource = source;
  }

  // --- starting runs ----------------------------------------------------------------------
  async function post(url) {
    const answer = await fetch(url, { method: "POST", credentials: "same-origin" });
    if (answer.status === 202) return true;
    let said = answer.statusText;
    try { said = (await answer.json()).error; } catch (e) { /* not JSON */ }
    status(`${answer.status}: ${said}`);
    return false;
  }
  function runButton() {
    const run = document.getElementById("run"), pick = document.getElementById("variant");
    if (run) run.addEventListener("click", async () => {
      if (await post(`/api/labs/${encodeURIComponent(body.dataset.lab)}/verify/${encodeURIComponent(pick.value)}`)) {
        status(`${t("started")}: ${pick.value}`);
      }
    });
    const proj = document.getElementById("projector");
    if (pick && proj) pick.addEventListener("change", () => { proj.href = proj.href.replace(/\/projector\/([^/]+)\/[^/?]+/, `/projector/$1/${encodeURIComponent(pick.value)}`); });
    const whole = document.getElementById("run-class");
    if (whole) whole.addEventListener("click", async () => {
      if (await post(`/api/class/verify/${encodeURIComponent(pick.value)}`)) status(`${t("started")}: ${pick.value}`);
    });
  }

  // --- a cell's details: the transcript, the rule, the address the server saw, the trace ---
  async function rowOf(variant, probe) {
    const key = variant + "/" + probe;
    if (!rows[key]) {
      const answer = await fetch(`/api/labs/${encodeURIComponent(body.dataset.lab)}/runs/${encodeURIComponent(variant)}`, { credentials: "same-origin" });
      if (!answer.ok) return null;
      (await answer.json()).probes.forEach((p) => { rows[variant + "/" + p.probe] = rows[variant + "/" + p.probe] || p; });
    }
    return rows[key] || null;
  }
  async function detail(cell) {
    const box = document.getElementById("detail");
    if (!box || !cell.dataset.probe) return;
    document.querySelectorAll("td.chosen").forEach((e) => e.classList.remove("chosen"));
    cell.classList.add("chosen");
    const p = await rowOf(cell.dataset.variant, cell.dataset.probe);
    box.replaceChildren();
    box.hidden = false;
    if (!p) { box.append(el("p", "—")); return; }
    box.append(el("h3", `${cell.dataset.variant} · ${p.probe}: ${p.actual} (${p.code || "-"} ${p.stage})`));
    box.append(el("p", `${p.what} — ${p.client} (${p.client_address}) → ${p.server} · ${box.dataset.tExpected}: ${p.expected || "-"} · ${p.why || ""}`));
    box.append(el("p", `${box.dataset.tDecided}: ${p.rule || "-"}`));
    const seen = el("p", `${box.dataset.tSeen}: ${p.client_address_seen || "-"}`);
    if (p.client_address_seen && p.client_address_seen !== p.client_address) { seen.className = "warn"; seen.textContent += ` (${box.dataset.tNot} ${p.client_address})`; }
    box.append(seen);
    (p.warnings || []).forEach((w) => box.append(el("p", w, "warn")));
    box.append(el("h3", box.dataset.tTranscript));
    box.append(el("pre", (p.transcript || []).map((s) => `> ${s.command || ""}\n< ${s.code || ""} ${(s.reply || s.error || "").replace(/\n/g, "\n< ")}`).join("\n")));
    box.append(el("h3", box.dataset.tTrace));
    const steps = (p.trace || []).map((s) => `${s.list}  ${s.restriction}  ${s.result}  ${s.detail || ""}`);
    box.append(el("pre", steps.join("\n") + (p.trace_note ? `\n(${p.trace_note})` : "") || "—"));
    if ((p.evidence || []).length) { box.append(el("h3", box.dataset.tEvidence)); box.append(el("pre", p.evidence.join("\n"))); }
    box.scrollIntoView({ block: "nearest" });
  }
  function cellClicks() {  // the matrix's cells, and the student page's run tables'
    if (!document.getElementById("detail")) return;
    document.addEventListener("click", (e) => { const c = e.target.closest("td.cell[data-probe]"); if (c) detail(c); });
    document.addEventListener("keydown", (e) => { if (e.key === "Enter") { const c = e.target.closest("td.cell[data-probe]"); if (c) detail(c); } });
  }

  // --- the projector's keys ---------------------------------------------------------------
  function keys() {
    if (!body.classList.contains("projector")) return;
    document.addEventListener("keydown", (e) => {
      if (e.key === "ArrowLeft") location.href = body.dataset.prev;
      else if (e.key === "ArrowRight") location.href = body.dataset.next;
      else if (e.key === "m" || e.key === "M") document.getElementById("condensed").classList.toggle("shown");
      else if (e.key === "Escape") document.getElementById("condensed").classList.remove("shown");
    });
  }

  // --- the class page ---------------------------------------------------------------------
  function rowFor(lab) { return document.querySelector(`#labs tr[data-lab="${CSS.escape(lab)}"]`); }
  function activity(lab, text) { const r = rowFor(lab); if (r) r.querySelector('[data-role="now"]').textContent = text; }
  function last(d) {
    const r = rowFor(d.lab);
    if (!r) return;
    const cell = r.querySelector('[data-role="last"]');
    cell.replaceChildren(el("span", `${d.variant}: `), el("span", d.ok ? t("ok") : t("mismatch"), d.ok ? "good" : "bad"));
    r.classList.toggle("bad", !d.ok);
    sortRows();
  }
  function health(d) {
    const r = rowFor(d.lab);
    if (!r) return;
    const cell = r.querySelector('[data-role="health"]');
    cell.replaceChildren();
    if (d.healthy) cell.append(el("span", t("healthy"), "good"));
    else Object.entries(d.hosts).filter(([, s]) => s !== "healthy").forEach(([h, s]) => { cell.append(el("span", `${h}: ${s}`, "bad"), " "); });
    cell.classList.toggle("sick", !d.healthy);
    r.querySelector('[data-role="variant"]').textContent = d.variant || "—";
    r.classList.toggle("bad", !d.healthy || r.querySelector('[data-role="last"] .bad') !== null);
    sortRows();
  }
  function sortRows() {
    const tbody = document.querySelector("#labs tbody");
    const all = Array.from(tbody.rows);
    all.sort((a, b) => (b.classList.contains("bad") - a.classList.contains("bad")) || a.dataset.lab.localeCompare(b.dataset.lab));
    all.forEach((r) => tbody.append(r));
  }
  function progress(job) {
    const bar = document.getElementById("progress");
    if (bar) { bar.max = Object.keys(job.labs).length || 1; bar.value = job.done; }
    Object.entries(job.labs).forEach(([lab, state]) => { if (state !== "waiting" && state !== "ok" && state !== "mismatch") activity(lab, `${job.variant}: ${state}`); });
    status(job.finished ? `${job.variant}: ${job.done}/${Object.keys(job.labs).length}` : `${t("running")}: ${job.variant} ${job.done}/${Object.keys(job.labs).length}`);
  }

  document.addEventListener("DOMContentLoaded", () => {
    runButton();
    cellClicks();
    keys();
    if (body.dataset.events) follow(body.dataset.events);
  });
})();
