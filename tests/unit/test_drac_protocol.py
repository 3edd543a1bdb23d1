"""dracd's own logic, no Docker: the XDR/RPC wire format of calls and replies (every error
reply included), credentials, the client's xids and deadline, the allow list, expiry
arithmetic. The module is the one the image runs."""

import importlib.machinery
import importlib.util
import ipaddress
import re
import socket
import struct
import sys
import threading
from pathlib import Path

import pytest

from lab import waiting

DRAC = Path(__file__).parents[2] / "images" / "postfix" / "drac"
sys.path.insert(0, str(DRAC))
import drac  # noqa: E402

ADDRESS = "198.51.100.200"


def add_call(args=ipaddress.IPv4Address(ADDRESS).packed, **kw):
    fields = dict(xid=0x1234, prog=drac.PROGRAM, vers=drac.VERSION, proc=drac.PROC_ADD, args=args) | kw
    return drac.encode_call(drac.Call(**fields))


def serve(data, result=drac.ADD_OK):
    added = []
    reply, what, _ = drac.answer(data, lambda a: added.append(a) or result)
    return (drac.decode_reply(reply) if reply is not None else None), what, added


def auth_error(reply):
    assert (reply.xid, reply.accepted, reply.stat) == (0x1234, False, drac.AUTH_ERROR)
    return struct.unpack(">I", reply.body)[0]


def test_a_call_is_encoded_word_by_word_and_decodes_back():
    data = add_call(cred=(1, b"abcde"))
    words = struct.unpack(">10I", data[:40])
    # xid, CALL, rpcvers 2, program, version, procedure, AUTH_SYS, 5 bytes (padded to 8) ...
    assert words[:8] == (0x1234, 0, 2, 900101, 1, 1, 1, 5)
    assert data[32:40] == b"abcde\0\0\0"
    assert data[-4:] == bytes([198, 51, 100, 200])  # the address, most significant byte first
    call = drac.decode_call(data)
    assert (call.xid, call.prog, call.vers, call.proc, call.cred) == (0x1234, 900101, 1, 1, (1, b"abcde"))


@pytest.mark.parametrize("result", [drac.ADD_OK, drac.ADD_DENIED, drac.ADD_SYSERR, drac.ADD_UNKNOWN])
def test_add_answers_success_with_the_drac_result(result):
    reply, what, added = serve(add_call(), result)
    assert (reply.xid, reply.accepted, reply.stat, reply.result()) == (0x1234, True, drac.SUCCESS, result)
    assert added == [ADDRESS] and what == f"ADD {ADDRESS}"


def test_null_answers_with_an_empty_success():
    reply, what, added = serve(add_call(args=b"", proc=drac.PROC_NULL))
    assert (reply.accepted, reply.stat, reply.body, what, added) == (True, drac.SUCCESS, b"", "NULL", [])


@pytest.mark.parametrize("change, stat, mismatch", [
    (dict(prog=100003), drac.PROG_UNAVAIL, None),
    (dict(vers=2), drac.PROG_MISMATCH, (1, 1)),
    (dict(proc=7), drac.PROC_UNAVAIL, None),
    (dict(args=b"\1\2\3"), drac.GARBAGE_ARGS, None),  # truncated argument
    (dict(args=b"\0" * 8), drac.GARBAGE_ARGS, None),  # too long an argument
])
def test_accepted_error_replies(change, stat, mismatch):
    reply, _, added = serve(add_call(**change))
    assert (reply.xid, reply.accepted, reply.stat) == (0x1234, True, stat)
    assert (reply.low, reply.high) == (mismatch or (None, None))
    assert added == []


def test_wrong_rpc_version_is_denied_with_rpc_mismatch():
    reply, _, _ = serve(add_call(rpcvers=3))
    assert (reply.accepted, reply.stat, reply.low, reply.high) == (False, drac.RPC_MISMATCH, 2, 2)


def test_an_oversized_credential_is_denied_with_auth_badcred():
    reply, _, added = serve(add_call(cred=(1, b"x" * 401)))
    assert (reply.accepted, reply.stat, struct.unpack(">I", reply.body)[0]) == (False, drac.AUTH_ERROR, drac.AUTH_BADCRED)
    assert added == []


UNIX = drac.AuthSys(stamp=0x5F5E100, machinename="pop.lab.example", uid=0, gid=0, gids=tuple(range(16)))


def test_an_auth_unix_credential_is_parsed_and_accepted():
    body = drac.encode_authsys(UNIX)
    assert body[:8] == struct.pack(">II", 0x5F5E100, 15) and body[8:24] == b"pop.lab.example\0"
    assert drac.decode_authsys(body) == UNIX
    reply, what, added = serve(add_call(cred=(drac.AUTH_UNIX, body)))
    assert (reply.accepted, reply.stat, reply.result(), added) == (True, drac.SUCCESS, drac.ADD_OK, [ADDRESS])


GOOD = drac.encode_authsys(drac.AuthSys(1, "h", 0, 0, (0,)))


@pytest.mark.parametrize("body", [
    b"",  # no authsys_parms at all
    GOOD[:-4],  # gids cut short
    GOOD + b"\0\0\0\0",  # bytes after authsys_parms
    struct.pack(">II", 1, 256) + b"h" * 256 + struct.pack(">3I", 0, 0, 0),  # machinename<255>
    drac.encode_authsys(drac.AuthSys(1, "h", 0, 0, tuple(range(17)))),  # gids<16>
])
def test_a_malformed_auth_unix_credential_is_denied_with_auth_badcred(body):
    reply, what, added = serve(add_call(cred=(drac.AUTH_UNIX, body)))
    assert auth_error(reply) == drac.AUTH_BADCRED and what.startswith("AUTH_BADCRED") and added == []


@pytest.mark.parametrize("flavor", [2, 3, 6])  # AUTH_SHORT, AUTH_DH, RPCSEC_GSS
def test_any_other_credential_flavor_is_denied_with_auth_rejectedcred(flavor):
    reply, what, added = serve(add_call(cred=(flavor, b"\0" * 8), prog=100003))  # before the program check
    assert auth_error(reply) == drac.AUTH_REJECTEDCRED and what.startswith("AUTH_REJECTEDCRED") and added == []


def test_an_oversized_verifier_is_denied_with_auth_badverf():
    reply, what, added = serve(add_call(cred=(drac.AUTH_UNIX, GOOD), verf=(0, b"v" * 401)))
    assert auth_error(reply) == drac.AUTH_BADVERF and what.startswith("AUTH_BADVERF") and added == []
    reply, _, added = serve(add_call(verf=(0, b"v" * 400)))  # at the limit: fine
    assert (reply.accepted, reply.stat, added) == (True, drac.SUCCESS, [ADDRESS])


def test_only_errors_are_worth_a_log_line():
    assert drac.answer(add_call(), lambda a: drac.ADD_OK).routine
    assert drac.answer(add_call(args=b"", proc=drac.PROC_NULL), lambda a: 0).routine
    assert not drac.answer(add_call(proc=7), lambda a: 0).routine
    assert not drac.answer(b"", lambda a: 0).routine


@pytest.mark.parametrize("data", [
    b"", b"\0\0\0\1", add_call()[:10], add_call()[:30],  # truncated before the arguments
    add_call()[:24] + struct.pack(">II", 0, 300),  # credential longer than the message
    struct.pack(">3I", 1, drac.REPLY, 0),  # a reply, not a call
    b"\xff" * (drac.MAX_RECORD + 1),  # oversized
])
def test_garbage_is_dropped_without_an_answer(data):
    reply, what, added = serve(data)
    assert reply is None and what.startswith("dropped") and added == []


def test_tcp_record_marking_round_trip_with_fragments_and_limits():
    a, b = socket.socketpair()
    with a, b:
        message = add_call()
        a.sendall(struct.pack(">I", 10) + message[:10] + drac.record(message[10:]))
        assert drac.read_record(b) == message
        a.sendall(struct.pack(">I", 0x80000000 | drac.MAX_RECORD + 1))
        with pytest.raises(drac.Garbage, match="limit"):
            drac.read_record(b)
        a.sendall(struct.pack(">I", 0x80000000 | 8) + b"abc")
        a.shutdown(socket.SHUT_WR)
        with pytest.raises(drac.Garbage, match="ended"):
            drac.read_record(b)


ALLOW = """
# drac's format: netmask network
255.255.255.255 127.0.0.1
255.255.255.0   10.77.0.0   # the LAN
"""


@pytest.mark.parametrize("peer, verdict", [
    ("127.0.0.1", True), ("127.0.0.2", False), ("10.77.0.42", True), ("10.77.1.1", False),
    ("198.51.100.200", False), ("not-an-address", False),
])
def test_allow_list_decisions(peer, verdict):
    assert drac.allowed(peer, drac.parse_allow(ALLOW)) is verdict


def test_allow_list_errors_name_the_line():
    with pytest.raises(ValueError, match="line 2"):
        drac.parse_allow("255.255.255.255 127.0.0.1\n127.0.0.1\n")


def test_expiry_arithmetic():
    expire = 1800
    assert not drac.is_expired(1000, 1000 + expire - 1, expire)
    assert drac.is_expired(1000, 1000 + expire, expire)
    keep, gone = drac.split_expired({"10.0.0.1": 1000, "10.0.0.2": 2500, "10.0.0.3": 0}, 2800.0, expire)
    assert keep == {"10.0.0.2": 2500} and gone == ["10.0.0.1", "10.0.0.3"]
    assert drac.next_expiry(keep, expire) == 4300
    assert drac.next_expiry({}, expire) is None


# --- the client -------------------------------------------------------------------------
def test_xids_come_from_one_counter_unique_and_increasing():
    xids = [drac.next_xid() for _ in range(1000)]
    assert xids == sorted(set(xids)) and xids[-1] - xids[0] == 999
    assert all(0 <= x < 2**32 for x in xids)


@pytest.fixture
def silent():
    """A UDP socket on 127.0.0.1 that reads every datagram and never answers:
    (its port, the datagrams heard)."""
    heard, stop = [], threading.Event()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(0.02)

        def listen():
            while not stop.is_set():
                try:
                    heard.append(sock.recv(65535))
                except socket.timeout:
                    pass

        thread = threading.Thread(target=listen, daemon=True)
        thread.start()
        yield sock.getsockname()[1], heard
        stop.set()
        thread.join()


def test_the_udp_client_retransmits_then_gives_up_at_its_deadline(silent):
    port, heard = silent
    call = drac.Call(drac.next_xid(), drac.PROGRAM, drac.VERSION, drac.PROC_NULL)
    with pytest.raises(drac.NoAnswer, match=f"no answer from 127.0.0.1 port {port} .* within 0.5 s") as gave_up:
        drac.call_udp("127.0.0.1", port, call, timeout=0.5, retry=0.1)
    # every send waits its retry (or what is left of the deadline) for the reply: a client
    # that kept sending past its deadline would have sent more than timeout / retry
    sent = int(re.search(r"\((\d+) sent\)", str(gave_up.value))[1])
    assert 2 <= sent <= 5
    waiting.until(lambda: len(heard) >= sent, 1.0, what=f"the listener to record {sent} datagrams", every=0.01,
                  last=lambda: f"{len(heard)} recorded")
    assert set(heard) == {drac.encode_call(call)}  # the same call, the same xid


def test_dracauth_fails_with_one_line_naming_the_server_when_its_deadline_passes(silent, monkeypatch, capsys):
    port, heard = silent
    monkeypatch.setattr(sys, "path", list(sys.path))  # dracauth adds the image's library path
    loader = importlib.machinery.SourceFileLoader("dracauth", str(DRAC / "dracauth"))
    dracauth = importlib.util.module_from_spec(importlib.util.spec_from_loader("dracauth", loader))
    loader.exec_module(dracauth)
    monkeypatch.setattr(dracauth, "TIMEOUT", 0.5)
    monkeypatch.setattr(drac, "PMAP_PORT", port)  # "rpcbind" is the silent socket
    before = drac.next_xid()
    assert dracauth.main(["localhost", ADDRESS]) == 4
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"dracauth: localhost: no answer from 127.0.0.1 port {port}"), err
    given = float(re.search(r"within ([\d.]+) s", err)[1])
    assert 0 < given <= 0.5  # rpcbind's GETPORT had what was left of the whole exchange's deadline
    waiting.until(lambda: heard, 1.0, what="the listener to record a datagram", every=0.01)
    assert {drac.Reader(d).uint() for d in heard} == {before + 1}  # every retransmission: the next xid
    assert drac.next_xid() == before + 2
