"""One probe run by hand from a client host (`lab probe`, and the page's "probe by hand"): a
probe of the plan, or one's own envelope (sender, recipient, AUTH as a lab user), against the
server under test that is applied now. A plan's probe from its own client is graded against
the active variant's expectation (lab.model.verdict decides the row); anything else is shown,
not graded, and says why."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lab import servers
from lab.errors import LabError
from lab.model import scenario, topology, verdict
from lab.model.outcomes import Outcome
from lab.model.results import ProbeResult
from lab.model.scenario import Probe
from lab.model.settings import Settings
from lab.runtime import hostexec, lifecycle
from lab.verify.probe_run import run_probe, trace_peers

ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9.-]{1,200}$")  # what the page accepts as an address
OWN_ID = "by-hand"


@dataclass(frozen=True)
class ByHand:
    result: ProbeResult
    variant: str | None  # the variant applied now (None: none of scenarios/)
    expected: Outcome | None  # what that variant's file expects of this probe, when it is graded
    graded: str | None  # why it is not graded ("not graded: ..."), None when it is

    def lines(self) -> list[str]:
        """What `lab probe` prints after the dialogue: the outcome, then the grade or why none."""
        r = self.result
        out = [f"{r.probe} from {r.client} ({r.client_address}) -> {r.server}: {r.actual} {r.code or ''} at "
               f"{r.stage}; decided by {r.rule or '-'}; fate {r.fate or '-'}"]
        if self.graded:
            return out + [self.graded]
        return out + [f"variant {self.variant} expects {self.expected}: {'as expected' if r.ok else 'MISMATCH'}"]


def own_probe(client: str, sender: str, recipient: str, auth: str | None, wrong_password: bool,
              topo: topology.Topology) -> Probe:
    """One's own envelope as a probe (addresses checked; AUTH as one of the lab's users)."""
    for field, value in (("from", sender), ("to", recipient)):
        if not ADDRESS.match(value):
            raise LabError(f"{field}: {value!r} is not a mail address (user@domain)")
    if auth:
        topo.user(auth)  # an unknown user: one line naming the lab's
    said = f"MAIL FROM:<{sender}> RCPT TO:<{recipient}>" + (f", AUTH as {auth}" if auth else "")
    return Probe(id=OWN_ID, what=said, client=client, to="remote", auth=auth or None,
                 password="wrong" if auth and wrong_password else None)


def run(s: Settings, client: str, probe: Probe, server: str | None = None, trace: bool = False,
        sender: str | None = None, recipient: str | None = None) -> ByHand:
    """Run `probe` from `client` against `server` (default: the active variant's)."""
    topo = topology.load(s)
    client = topo.host(client).name
    hostexec.container(s, client)
    status = lifecycle.status(s)
    running = {h.name for h in status.hosts if h.state == lifecycle.ContainerState.RUNNING}
    variant, active_server = servers.active(s, topo, running)
    server = server or active_server or topo.under_test[0]
    expected, graded = None, None
    if probe.id == OWN_ID:
        graded = "not graded: one's own envelope, not a probe of the plan"
    elif client != probe.client:
        graded = f"not graded: the plan runs {probe.id} from {probe.client}, not from {client}"
    elif variant and active_server == server and variant in scenario.ids():
        expected = scenario.find(variant, topo).expect.get(probe.id)
        graded = None if expected is not None else f"not graded: variant {variant} does not run {probe.id}"
    else:
        graded = f"not graded: {server} is not in a variant of scenarios/ (apply one first)"
    adapter = servers.adapter(server, s, topo)
    if trace:  # the server traces this client (and the host it talks through) for this probe only
        with adapter.tracing(trace_peers(topo, [probe], client)):
            result = run_probe(s, adapter, probe, expected, client_name=client, sender=sender, recipient=recipient)
    else:
        result = run_probe(s, adapter, probe, expected, client_name=client, sender=sender, recipient=recipient)
    if not graded:
        verdict.decide_probe(result)
    return ByHand(result, variant, expected, graded)
