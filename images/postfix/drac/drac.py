"""drac, the lab's own: the ONC RPC / XDR wire format of drac's DRACPROC_ADD (RFC 5531,
RFC 4506), and dracd's policy (allow list, expiry); the btree map is in dracmap.py.

Standard library only, so the protocol and the policy can be tested anywhere. dracd,
dracauth and the healthcheck import this file.
"""

from __future__ import annotations

import errno
import ipaddress
import itertools
import os
import socket
import struct
import time
from dataclasses import dataclass
from typing import NamedTuple

PROGRAM, VERSION = 900101, 1
PROC_NULL, PROC_ADD = 0, 1
ADD_OK, ADD_DENIED, ADD_SYSERR, ADD_UNKNOWN = 0, 1, 2, 3  # drac_add_stat
ADD_WORDS = {ADD_OK: "ok", ADD_DENIED: "permission denied", ADD_SYSERR: "system error", ADD_UNKNOWN: "unknown"}

CALL, REPLY = 0, 1
MSG_ACCEPTED, MSG_DENIED = 0, 1
SUCCESS, PROG_UNAVAIL, PROG_MISMATCH, PROC_UNAVAIL, GARBAGE_ARGS, SYSTEM_ERR = range(6)
RPC_MISMATCH, AUTH_ERROR = 0, 1
AUTH_OK, AUTH_BADCRED, AUTH_REJECTEDCRED, AUTH_BADVERF = range(4)  # RFC 5531 section 9, auth_stat
AUTH_WORDS = {AUTH_BADCRED: "AUTH_BADCRED", AUTH_REJECTEDCRED: "AUTH_REJECTEDCRED", AUTH_BADVERF: "AUTH_BADVERF"}
AUTH_NONE, AUTH_SYS = 0, 1  # RFC 5531 sections 10.1, 10.2 (AUTH_SYS is RFC 1057's AUTH_UNIX)
AUTH_UNIX = AUTH_SYS
MAX_AUTH = 400  # RFC 5531 section 8.2: opaque_auth body<MAX_AUTH_BYTES = 400>
MAX_MACHINENAME, MAX_GIDS = 255, 16  # RFC 5531 section 10.2: machinename<255>, gids<16>
MAX_RECORD = 8192  # bytes in one call; larger ones are dropped
PMAP_PROGRAM, PMAP_VERSION, PMAP_PORT = 100000, 2, 111
PMAPPROC_SET, PMAPPROC_UNSET, PMAPPROC_GETPORT = 1, 2, 3
IPPROTO = {"udp": 17, "tcp": 6}


class Garbage(Exception):
    """A message too short or malformed to answer."""


class AuthError(Exception):
    """A call with a well-formed header whose credential or verifier is refused: answered
    MSG_DENIED / AUTH_ERROR with `stat` (RFC 5531 section 9, reject_stat)."""

    def __init__(self, stat: int, why: str):
        super().__init__(why)
        self.stat = stat


class NoAnswer(TimeoutError):
    """No reply from an RPC server before the client's deadline."""


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
        """RFC 4506 section 4.10: variable-length opaque (or string) of at most `limit` bytes."""
        size = self.uint()
        if size > limit:
            raise Garbage(f"opaque of {size} bytes (limit {limit})")
        return self.fixed(size)

    def fixed(self, size: int) -> bytes:
        """RFC 4506 section 4.9: `size` bytes, padded to a multiple of four."""
        end = self.pos + size + (-size % 4)
        if end > len(self.data):
            raise Garbage(f"truncated opaque at byte {self.pos}")
        body, self.pos = self.data[self.pos:self.pos + size], end
        return body

    def rest(self) -> bytes:
        return self.data[self.pos:]


# --- credentials (RFC 5531 sections 8.2, 9, 10) ----------------------------------------
@dataclass(frozen=True)
class AuthSys:
    """RFC 5531 section 10.2 authsys_parms (RFC 1057 section 9.2 authunix_parms)."""
    stamp: int = 0
    machinename: str = ""
    uid: int = 0
    gid: int = 0
    gids: tuple[int, ...] = ()


def encode_authsys(parms: AuthSys) -> bytes:
    return (_uints(parms.stamp) + _opaque(parms.machinename.encode()) + _uints(parms.uid, parms.gid, len(parms.gids))
            + _uints(*parms.gids))


def decode_authsys(body: bytes) -> AuthSys:
    """authsys_parms filling the whole body; Garbage if the body is anything else."""
    r = Reader(body)
    stamp, machinename = r.uint(), r.opaque(MAX_MACHINENAME).decode(errors="replace")
    uid, gid, count = r.uint(), r.uint(), r.uint()
    if count > MAX_GIDS:
        raise Garbage(f"{count} gids (limit {MAX_GIDS})")
    gids = tuple(r.uint() for _ in range(count))
    if r.rest():
        raise Garbage(f"{len(r.rest())} bytes after authsys_parms")
    return AuthSys(stamp, machinename, uid, gid, gids)


def authenticate(cred: tuple[int, bytes]) -> int:
    """The auth_stat for a call's credential: AUTH_NONE, and AUTH_SYS whose body parses,
    are AUTH_OK (like drac, the daemon trusts the caller's address, not its uid); a
    malformed AUTH_SYS is AUTH_BADCRED; every other flavor (AUTH_DH, RPCSEC_GSS, ...) is
    AUTH_REJECTEDCRED. The verifier of either flavor is not checked (RFC 5531 10.1, 10.2)."""
    flavor, body = cred
    if flavor == AUTH_NONE:
        return AUTH_OK
    if flavor != AUTH_SYS:
        return AUTH_REJECTEDCRED
    try:
        decode_authsys(body)
    except Garbage:
        return AUTH_BADCRED
    return AUTH_OK


def _opaque_auth(r: Reader, too_long: int) -> tuple[int, bytes]:
    """RFC 5531 section 8.2 opaque_auth; a body over MAX_AUTH bytes is AuthError(too_long)."""
    flavor, size = r.uint(), r.uint()
    if size > MAX_AUTH:
        raise AuthError(too_long, f"{size}-byte body (limit {MAX_AUTH})")
    return flavor, r.fixed(size)


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
    """A call; Garbage if it is not one. AuthError (AUTH_BADCRED, AUTH_BADVERF) when the
    credential or the verifier is longer than MAX_AUTH: the header is whole, so it can be
    answered (see answer())."""
    r = Reader(data)
    xid, mtype, rpcvers = r.uint(), r.uint(), r.uint()
    if mtype != CALL:
        raise Garbage(f"message type {mtype} is not a call")
    prog, vers, proc = r.uint(), r.uint(), r.uint()
    cred = _opaque_auth(r, AUTH_BADCRED)
    verf = _opaque_auth(r, AUTH_BADVERF)
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
class Answer(NamedTuple):
    reply: bytes | None  # None: drop the message, send nothing
    what: str  # what happened, for the log
    routine: bool = False  # a NULL or an ADD (which dracd logs itself): nothing to log


def answer(data: bytes, add) -> Answer:
    """The reply to one message. `add(address) -> drac_add_stat` does the work of
    DRACPROC_ADD; everything else is decided here, in RFC 5531's order: rpc version
    (section 9), then authentication (sections 9, 10), then program, version, procedure."""
    if len(data) > MAX_RECORD:
        return Answer(None, f"dropped: {len(data)}-byte message (limit {MAX_RECORD})")
    head = Reader(data)
    try:
        xid, mtype, rpcvers = head.uint(), head.uint(), head.uint()
    except Garbage as exc:
        return Answer(None, f"dropped: {exc}")
    if mtype != CALL:
        return Answer(None, f"dropped: message type {mtype} is not a call")
    if rpcvers != 2:
        return Answer(denied(xid, RPC_MISMATCH, _uints(2, 2)), f"RPC_MISMATCH: rpc version {rpcvers}")
    try:
        call = decode_call(data)
    except AuthError as exc:
        return Answer(denied(xid, AUTH_ERROR, _uints(exc.stat)), f"{AUTH_WORDS[exc.stat]}: {exc}")
    except Garbage as exc:
        return Answer(None, f"dropped: {exc}")
    stat = authenticate(call.cred)
    if stat != AUTH_OK:
        return Answer(denied(xid, AUTH_ERROR, _uints(stat)), f"{AUTH_WORDS[stat]}: credential flavor {call.cred[0]}")
    if call.prog != PROGRAM:
        return Answer(accepted(xid, PROG_UNAVAIL), f"PROG_UNAVAIL: program {call.prog}")
    if call.vers != VERSION:
        return Answer(accepted(xid, PROG_MISMATCH, _uints(VERSION, VERSION)), f"PROG_MISMATCH: version {call.vers}")
    if call.proc == PROC_NULL:
        return Answer(accepted(xid), "NULL", routine=True)
    if call.proc != PROC_ADD:
        return Answer(accepted(xid, PROC_UNAVAIL), f"PROC_UNAVAIL: procedure {call.proc}")
    if len(call.args) != 4:
        return Answer(accepted(xid, GARBAGE_ARGS), f"GARBAGE_ARGS: {len(call.args)} bytes of arguments, not 4")
    address = str(ipaddress.IPv4Address(call.args))
    return Answer(accepted(xid, SUCCESS, _uints(add(address))), f"ADD {address}", routine=True)


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
# RFC 5531 section 8: the xid only matches a reply to its call, so one counter per process,
# started at a random point, numbers every call; a retransmission keeps its call's xid.
_xids = itertools.count(int.from_bytes(os.urandom(4), "big") >> 1)  # 2**31 calls before a wrap


def next_xid() -> int:
    return next(_xids) & 0xFFFFFFFF


def call_udp(host: str, port: int, call: Call, timeout: float = 5.0, retry: float = 1.0, bind_port: int = 0) -> Reply:
    """Send `call`, again every `retry` seconds, until its reply arrives; NoAnswer when
    `timeout` seconds have passed in all. Datagrams that are not its reply are ignored."""
    deadline = time.monotonic() + timeout
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        if bind_port:
            sock.bind(("127.0.0.1", bind_port))
        sock.connect((host, port))
        message, sends = encode_call(call), 0
        while (left := deadline - time.monotonic()) > 0:
            sock.send(message)
            sends += 1
            resend = time.monotonic() + min(retry, left)
            while (wait := resend - time.monotonic()) > 0:
                sock.settimeout(wait)
                try:
                    data = sock.recv(65535)
                except socket.timeout:
                    break
                try:
                    reply = decode_reply(data)
                except Garbage:
                    continue
                if reply.xid == call.xid:
                    return reply
    raise NoAnswer(f"no answer from {host} port {port} (program {call.prog}) within {timeout:.3g} s ({sends} sent)")


def call_tcp(host: str, port: int, call: Call, timeout: float = 5.0) -> Reply:
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(record(encode_call(call)))
        message = read_record(sock)
        if message is None:
            raise Garbage("connection closed without a reply")
        return decode_reply(message)


def getport(host: str, proto: str = "udp", timeout: float = 5.0) -> int:
    args = _uints(PROGRAM, VERSION, IPPROTO[proto], 0)
    reply = call_udp(host, PMAP_PORT, Call(next_xid(), PMAP_PROGRAM, PMAP_VERSION, PMAPPROC_GETPORT, args), timeout)
    return reply.result() if reply.accepted and reply.stat == SUCCESS else 0


def pmap(proc: int, proto: str, port: int) -> bool:
    """PMAPPROC_SET / UNSET at the local rpcbind. rpcbind takes these only from a
    privileged port on the loopback address, so the call is sent from one (we are root)."""
    call = Call(next_xid(), PMAP_PROGRAM, PMAP_VERSION, proc, _uints(PROGRAM, VERSION, IPPROTO[proto], port))
    for local in range(1023, 600, -1):
        try:
            reply = call_udp("127.0.0.1", PMAP_PORT, call, bind_port=local)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:  # try the next port
                continue
            raise
        return reply.accepted and reply.stat == SUCCESS and reply.result() == 1
    return False
