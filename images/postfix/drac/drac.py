"""drac, the lab's own: the ONC RPC / XDR wire format of drac's DRACPROC_ADD (RFC 5531,
RFC 4506), and dracd's policy (allow list, expiry); the btree map is in dracmap.py.

Standard library only, so the protocol and the policy can be tested anywhere. dracd,
dracauth and the healthcheck import this file.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import struct
from dataclasses import dataclass

PROGRAM, VERSION = 900101, 1
PROC_NULL, PROC_ADD = 0, 1
ADD_OK, ADD_DENIED, ADD_SYSERR, ADD_UNKNOWN = 0, 1, 2, 3  # drac_add_stat
ADD_WORDS = {ADD_OK: "ok", ADD_DENIED: "permission denied", ADD_SYSERR: "system error", ADD_UNKNOWN: "unknown"}

CALL, REPLY = 0, 1
MSG_ACCEPTED, MSG_DENIED = 0, 1
SUCCESS, PROG_UNAVAIL, PROG_MISMATCH, PROC_UNAVAIL, GARBAGE_ARGS, SYSTEM_ERR = range(6)
RPC_MISMATCH, AUTH_ERROR = 0, 1
AUTH_BADCRED = 1
MAX_AUTH = 400  # RFC 5531: opaque_auth body<400>
MAX_RECORD = 8192  # bytes in one call; larger ones are dropped
PMAP_PROGRAM, PMAP_VERSION, PMAP_PORT = 100000, 2, 111
PMAPPROC_SET, PMAPPROC_UNSET, PMAPPROC_GETPORT = 1, 2, 3
IPPROTO = {"udp": 17, "tcp": 6}


class Garbage(Exception):
    """A message too short or malformed to answer."""


# --- XDR -------------------------------------------------------------------------------
def _uints(*values: int) -> bytes:
    return struct.pack(f">{len(values)}I", *values)


def _opaque(data: bytes) -> bytes:
    return _uints(len(data)) + data + b"\0" * (-len(data) % 4)


class Reader:
    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def uint(self) -> int:
        if self.pos + 4 > len(self.data):
            raise Garbage(f"truncated at byte {self.pos}")
        self.pos += 4
        return struct.unpack_from(">I", self.data, self.pos - 4)[0]

    def opaque(self, limit: int) -> bytes:
        size = self.uint()
        if size > limit:
            raise Garbage(f"opaque of {size} bytes (limit {limit})")
        end = self.pos + size + (-size % 4)
        if end > len(self.data):
            raise Garbage(f"truncated opaque at byte {self.pos}")
        body, self.pos = self.data[self.pos:self.pos + size], end
        return body

    def rest(self) -> bytes:
        return self.data[self.pos:]


# --- RPC messages ----------------------------------------------------------------------
@dataclass(frozen=True)
class Call:
    xid: int
    prog: int
    vers: int
    proc: int
    args: bytes = b""
    rpcvers: int = 2
    cred: tuple[int, bytes] = (0, b"")
    verf: tuple[int, bytes] = (0, b"")


def encode_call(call: Call) -> bytes:
    return (_uints(call.xid, CALL, call.rpcvers, call.prog, call.vers, call.proc)
            + _uints(call.cred[0]) + _opaque(call.cred[1]) + _uints(call.verf[0]) + _opaque(call.verf[1]) + call.args)


def decode_call(data: bytes) -> Call:
    """A call; Garbage if it is not one. An oversized credential is Garbage too, but
    after xid and rpcvers were read (see answer())."""
    r = Reader(data)
    xid, mtype, rpcvers = r.uint(), r.uint(), r.uint()
    if mtype != CALL:
        raise Garbage(f"message type {mtype} is not a call")
    prog, vers, proc = r.uint(), r.uint(), r.uint()
    cred = (r.uint(), r.opaque(MAX_AUTH))
    verf = (r.uint(), r.opaque(MAX_AUTH))
    return Call(xid, prog, vers, proc, r.rest(), rpcvers, cred, verf)


@dataclass(frozen=True)
class Reply:
    xid: int
    accepted: bool = True
    stat: int = SUCCESS  # accept_stat, or reject_stat when not accepted
    body: bytes = b""  # results, or mismatch_info / auth_stat
    low: int | None = None  # mismatch range (PROG_MISMATCH, RPC_MISMATCH)
    high: int | None = None

    def result(self) -> int:
        return Reader(self.body).uint()


def accepted(xid: int, stat: int = SUCCESS, body: bytes = b"") -> bytes:
    return _uints(xid, REPLY, MSG_ACCEPTED, 0, 0, stat) + body


def denied(xid: int, stat: int, body: bytes) -> bytes:
    return _uints(xid, REPLY, MSG_DENIED, stat) + body


def decode_reply(data: bytes) -> Reply:
    r = Reader(data)
    xid, mtype = r.uint(), r.uint()
    if mtype != REPLY:
        raise Garbage(f"message type {mtype} is not a reply")
    if r.uint() == MSG_DENIED:
        stat = r.uint()
        if stat == RPC_MISMATCH:
            return Reply(xid, False, stat, r.rest(), r.uint(), r.uint())
        return Reply(xid, False, stat, r.rest())
    r.uint(), r.opaque(MAX_AUTH)  # verifier
    stat = r.uint()
    if stat == PROG_MISMATCH:
        return Reply(xid, True, stat, r.rest(), r.uint(), r.uint())
    return Reply(xid, True, stat, r.rest())


# --- the server's answer to one message ---------------------------------------------------
def answer(data: bytes, add) -> tuple[bytes | None, str]:
    """(reply or None to drop, what happened). `add(address) -> drac_add_stat` does the
    work of DRACPROC_ADD; everything else is decided here."""
    if len(data) > MAX_RECORD:
        return None, f"dropped: {len(data)}-byte message (limit {MAX_RECORD})"
    head = Reader(data)
    try:
        xid, mtype, rpcvers = head.uint(), head.uint(), head.uint()
    except Garbage as exc:
        return None, f"dropped: {exc}"
    if mtype != CALL:
        return None, f"dropped: message type {mtype} is not a call"
    if rpcvers != 2:
        return denied(xid, RPC_MISMATCH, _uints(2, 2)), f"RPC_MISMATCH: rpc version {rpcvers}"
    try:
        call = decode_call(data)
    except Garbage as exc:
        if "limit" in str(exc):
            return denied(xid, AUTH_ERROR, _uints(AUTH_BADCRED)), f"AUTH_BADCRED: {exc}"
        return None, f"dropped: {exc}"
    if call.prog != PROGRAM:
        return accepted(xid, PROG_UNAVAIL), f"PROG_UNAVAIL: program {call.prog}"
    if call.vers != VERSION:
        return accepted(xid, PROG_MISMATCH, _uints(VERSION, VERSION)), f"PROG_MISMATCH: version {call.vers}"
    if call.proc == PROC_NULL:
        return accepted(xid), "NULL"
    if call.proc != PROC_ADD:
        return accepted(xid, PROC_UNAVAIL), f"PROC_UNAVAIL: procedure {call.proc}"
    if len(call.args) != 4:
        return accepted(xid, GARBAGE_ARGS), f"GARBAGE_ARGS: {len(call.args)} bytes of arguments, not 4"
    address = str(ipaddress.IPv4Address(call.args))
    return accepted(xid, SUCCESS, _uints(add(address))), f"ADD {address}"


# --- record marking (RPC over TCP) -----------------------------------------------------
def record(message: bytes) -> bytes:
    return _uints(0x80000000 | len(message)) + message


def read_record(sock: socket.socket) -> bytes | None:
    """One whole record (all fragments); None at a clean end of stream. Garbage when the
    peer sends an oversized record or stops mid-record."""
    message = b""
    while True:
        head = _recv_exactly(sock, 4, allow_eof=not message)
        if head is None:
            return None
        (mark,) = struct.unpack(">I", head)
        size = mark & 0x7FFFFFFF
        if len(message) + size > MAX_RECORD:
            raise Garbage(f"record of {len(message) + size}+ bytes (limit {MAX_RECORD})")
        message += _recv_exactly(sock, size, allow_eof=False)
        if mark & 0x80000000:
            return message


def _recv_exactly(sock: socket.socket, size: int, allow_eof: bool) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            if allow_eof and not data:
                return None
            raise Garbage(f"stream ended after {len(data)} of {size} bytes")
        data += chunk
    return data


# --- policy ----------------------------------------------------------------------------
def parse_allow(text: str) -> list[ipaddress.IPv4Network]:
    """drac's dracd.allow: one `netmask network` pair per line, # comments."""
    nets = []
    for number, line in enumerate(text.splitlines(), 1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        if len(words) != 2:
            raise ValueError(f"line {number}: want 'netmask network', got {line.strip()!r}")
        nets.append(ipaddress.IPv4Network(f"{words[1]}/{words[0]}", strict=False))
    return nets


def allowed(peer: str, nets: list[ipaddress.IPv4Network]) -> bool:
    try:
        address = ipaddress.IPv4Address(peer)
    except ValueError:
        return False
    return any(address in net for net in nets)


def is_expired(login: int, now: float, expire: int) -> bool:
    return now - login >= expire


def split_expired(entries: dict[str, int], now: float, expire: int) -> tuple[dict[str, int], list[str]]:
    """(entries still valid, addresses expired)."""
    keep = {a: t for a, t in entries.items() if not is_expired(t, now, expire)}
    return keep, sorted(set(entries) - set(keep))


def next_expiry(entries: dict[str, int], expire: int) -> float | None:
    return min(entries.values()) + expire if entries else None


# --- a small RPC client (dracauth, portmapper registration, healthcheck) ------------------
def call_udp(host: str, port: int, call: Call, timeout: float = 2.0, bind_port: int = 0) -> Reply:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        if bind_port:
            sock.bind(("127.0.0.1", bind_port))
        sock.connect((host, port))
        sock.send(encode_call(call))
        while True:
            reply = decode_reply(sock.recv(65535))
            if reply.xid == call.xid:
                return reply


def call_tcp(host: str, port: int, call: Call, timeout: float = 2.0) -> Reply:
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(record(encode_call(call)))
        message = read_record(sock)
        if message is None:
            raise Garbage("connection closed without a reply")
        return decode_reply(message)


def getport(host: str, proto: str = "udp", timeout: float = 2.0) -> int:
    args = _uints(PROGRAM, VERSION, IPPROTO[proto], 0)
    reply = call_udp(host, PMAP_PORT, Call(os.getpid() & 0xFFFF, PMAP_PROGRAM, PMAP_VERSION, PMAPPROC_GETPORT, args),
                     timeout)
    return reply.result() if reply.accepted and reply.stat == SUCCESS else 0


def pmap(proc: int, proto: str, port: int) -> bool:
    """PMAPPROC_SET / UNSET at the local rpcbind. rpcbind takes these only from a
    privileged port on the loopback address, so the call is sent from one (we are root)."""
    call = Call(int.from_bytes(os.urandom(4), "big"), PMAP_PROGRAM, PMAP_VERSION, proc,
                _uints(PROGRAM, VERSION, IPPROTO[proto], port))
    for local in range(1023, 600, -1):
        try:
            reply = call_udp("127.0.0.1", PMAP_PORT, call, bind_port=local)
        except OSError as exc:
            if exc.errno == 98:  # EADDRINUSE: try the next port
                continue
            raise
        return reply.accepted and reply.stat == SUCCESS and reply.result() == 1
    return False
