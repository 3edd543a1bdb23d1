"""dracd's own logic, no Docker: the XDR/RPC wire format of calls and replies (every error
reply included), the allow list, expiry arithmetic. The module is the one the image runs."""

import ipaddress
import socket
import struct
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[2] / "images" / "postfix" / "drac"))
import drac  # noqa: E402

ADDRESS = "198.51.100.200"


def add_call(args=ipaddress.IPv4Address(ADDRESS).packed, **kw):
    fields = dict(xid=0x1234, prog=drac.PROGRAM, vers=drac.VERSION, proc=drac.PROC_ADD, args=args) | kw
    return drac.encode_call(drac.Call(**fields))


def serve(data, result=drac.ADD_OK):
    added = []
    reply, what = drac.answer(data, lambda a: added.append(a) or result)
    return (drac.decode_reply(reply) if reply is not None else None), what, added


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
