"""drac in the postfix image on its own: dracd registered with rpcbind, the btree map it
writes read back by Postfix's own `postmap -q`, the Dovecot POP3 hook, the allow list
seen from a host that is not on it (this test process), and garbage that never kills it."""

import poplib
import socket
import struct
import sys
from pathlib import Path

import pytest

from lab import waiting

sys.path.insert(0, str(Path(__file__).parents[2] / "images" / "postfix" / "drac"))
import drac  # noqa: E402

pytestmark = pytest.mark.docker
MAP = "btree:/var/lib/drac/dracd"


@pytest.fixture(scope="module")
def server(postfix_alone):
    return postfix_alone


def lookup(server, key):
    code, out = server.sh(f"postmap -q {key} {MAP}")
    return out.strip() if code == 0 else None


def call(server, proc=drac.PROC_NULL, args=b"", proto="udp", **kw):
    port = drac.getport(server.ip, proto)
    assert port, "program 900101 is not registered with rpcbind"
    message = drac.Call(drac.next_xid(), kw.pop("prog", drac.PROGRAM),
                        kw.pop("vers", drac.VERSION), proc, args)
    return (drac.call_tcp if proto == "tcp" else drac.call_udp)(server.ip, port, message)


def test_rpcbind_lists_dracd_over_udp_and_tcp(server):
    code, out = server.sh("rpcinfo -p")
    assert code == 0
    assert {tuple(line.split()[:3]) for line in out.splitlines()} >= {("900101", "1", "udp"), ("900101", "1", "tcp")}
    for proto in ("udp", "tcp"):
        assert server.sh(f"rpcinfo -{proto[0]} 127.0.0.1 900101 1")[1].strip() == "program 900101 version 1 ready and waiting"


def test_the_btree_writer_is_read_back_by_postmap(server):
    code, out = server.sh(
        "python3 -c 'import sys; sys.path.insert(0, \"/usr/local/lib/drac\"); import dracmap; "
        "dracmap.BtreeMap(\"/tmp/t.db\").write({\"192.0.2.7\": 1700000000, \"10.1.2.3\": 1700000042})' && "
        "postmap -q 192.0.2.7 btree:/tmp/t && postmap -q 10.1.2.3 btree:/tmp/t && postmap -s btree:/tmp/t "
        "&& ! postmap -q 192.0.2.8 btree:/tmp/t")
    assert code == 0, out
    assert out.splitlines() == ["1700000000", "1700000042", "10.1.2.3\t1700000042", "192.0.2.7\t1700000000"]


def test_a_pop3_login_adds_the_client_and_a_failed_one_does_not(server):
    server.sh("dracd --clear")
    me = socket.create_connection((server.ip, 110), timeout=5)
    client_ip = me.getsockname()[0]
    me.close()
    pop = poplib.POP3(server.ip, 110, timeout=10)
    pop.user("alice")
    with pytest.raises(poplib.error_proto):
        pop.pass_("wrong")
    pop.quit()
    assert lookup(server, client_ip) is None
    pop = poplib.POP3(server.ip, 110, timeout=10)
    pop.user("alice")
    pop.pass_("wonderland")
    assert lookup(server, client_ip).isdigit()  # there before the +OK reached us
    pop.quit()
    server.log_line("dracd[", f"added {client_ip} (from 127.0.0.1)")


def test_a_host_not_on_the_allow_list_is_denied_and_nothing_is_written(server):
    server.sh("dracd --clear")
    for proto in ("udp", "tcp"):
        reply = call(server, drac.PROC_ADD, socket.inet_aton("203.0.113.9"), proto)
        assert (reply.accepted, reply.stat, reply.result()) == (True, drac.SUCCESS, drac.ADD_DENIED)
    assert lookup(server, "203.0.113.9") is None
    server.log_line("dracd[", "refused: add 203.0.113.9")


@pytest.mark.parametrize("how", ["", "--tcp"])  # over TCP the add runs in a thread of its own
def test_entries_expire_and_expiry_is_logged(server, how):
    server.sh(f"dracd --clear && sed -i 's/^expire = .*/expire = 2/' /etc/drac/dracd.conf && dracauth 127.0.0.1 192.0.2.99 {how}")
    try:
        assert lookup(server, "192.0.2.99")
        waiting.until(lambda: lookup(server, "192.0.2.99") is None, 10, what="dracd to expire 192.0.2.99")
        server.log_line("dracd[", "expired 192.0.2.99")
    finally:
        server.sh("cp /etc/drac/baseline/dracd.conf /etc/drac/dracd.conf")


# select / pselect6 (x86_64), pselect6 (arm64): the syscalls a waiting dracd sits in
WAITS = {"23", "270", "72"}


def test_an_idle_dracd_sleeps(server):
    """With an empty map nothing can fall due: dracd waits for a request and does not poll
    (an idle lab costs nothing for it). Seen in the kernel: it sits in select with no
    timeout at all (/proc/PID/syscall: number, then the arguments; the 5th is the timeout)."""
    server.sh("dracd --clear")
    waiting.until(lambda: lookup(server, "192.0.2.99") is None, 10, what="an empty map")

    def waiting_forever():
        fields = server.sh("cat /proc/$(cat /run/dracd.pid)/syscall")[1].split()
        return fields if len(fields) > 5 and fields[0] in WAITS and fields[5] == "0x0" else None

    waiting.until(waiting_forever, 10, what="dracd blocked in select without a timeout",
                  last=lambda: server.sh("cat /proc/$(cat /run/dracd.pid)/syscall")[1])


@pytest.mark.parametrize("packet", [
    b"", b"\x00\x01", struct.pack(">3I", 1, drac.REPLY, 0), b"\xff" * 9000,
    drac.encode_call(drac.Call(7, drac.PROGRAM, drac.VERSION, drac.PROC_ADD))[:30],
])
def test_garbage_over_udp_and_tcp_never_kills_dracd(server, packet):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.sendto(packet, (server.ip, drac.getport(server.ip, "udp")))
    with socket.create_connection((server.ip, drac.getport(server.ip, "tcp")), timeout=5) as tcp:
        tcp.sendall(struct.pack(">I", 0x80000000 | len(packet)) + packet[:20])  # a record cut short
    assert call(server).stat == drac.SUCCESS  # still answering, over both transports
    assert call(server, proto="tcp").stat == drac.SUCCESS


@pytest.mark.parametrize("kw, stat", [
    (dict(prog=900102), drac.PROG_UNAVAIL), (dict(vers=2), drac.PROG_MISMATCH),
    (dict(proc=9), drac.PROC_UNAVAIL), (dict(proc=drac.PROC_ADD, args=b"\1\2"), drac.GARBAGE_ARGS),
])
def test_wrong_calls_get_the_rpc_error_reply(server, kw, stat):
    proc = kw.pop("proc", drac.PROC_NULL)
    for proto in ("udp", "tcp"):
        reply = call(server, proc, kw.get("args", b""), proto, **{k: v for k, v in kw.items() if k != "args"})
        assert (reply.accepted, reply.stat) == (True, stat)


def test_the_container_is_unhealthy_while_dracd_is_down(server):
    assert server.healthcheck()[0] == 0
    assert server.sh("sv -v down dracd")[0] == 0  # stopped (-v: waited for), and left stopped
    try:
        code, out = server.healthcheck()
        assert code != 0 and "dracd: no answer to an RPC NULL call" in out
        # runit's finish says so on the container's output (the mail log gets a copy through
        # syslog, best effort: the health check is what the lab relies on)
        waiting.until(lambda: "supervise: dracd ended (exit status 0); stays down (sv down)" in server.output(), 15,
                      what="supervise's line that dracd stays down", last=lambda: server.output()[-300:])
    finally:
        assert server.sh("dracd --start")[0] == 0  # what the lab's reset runs: through runit
    assert server.healthcheck() == (0, "")
    running = server.sh("pidof -x dracd")[1].split()
    assert running == [server.read("/run/dracd.pid").strip()]  # one dracd: runit's
    assert f"run: dracd: (pid {running[0]})" in server.sh("sv status dracd")[1]
