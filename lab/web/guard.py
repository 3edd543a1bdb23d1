"""Every request's token: `?token=` (a page then sets it as a cookie and drops it from the
address), a cookie, or `Authorization: Bearer`. No token or a wrong one: 401; a lab's token
on another lab, or on the instructor's pages: 403. Nothing here logs a token."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection, Request

from lab.web.tokens import Access, Kept

COOKIE = "smtplab_token"


def token_of(request: HTTPConnection) -> str | None:
    given = request.query_params.get("token")
    if given:
        return given
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.cookies.get(COOKIE)


def access(request: HTTPConnection) -> Access:
    kept: Kept = request.app.state.tokens
    found = kept.now().who(token_of(request))
    if found is None:
        raise HTTPException(401, "a token is needed: open the link `make web` printed for you "
                                 "(or send Authorization: Bearer <token>)")
    return found


def lab(request: HTTPConnection, name: str) -> Access:
    """The request may reach lab `name` (403 otherwise; whether it exists is asked after)."""
    found = access(request)
    if not found.reaches(name):
        raise HTTPException(403, f"your token is for lab {found.lab}, not for this one")
    return found


def instructor(request: Request) -> Access:
    found = access(request)
    if not found.instructor:
        raise HTTPException(403, "this is the instructor's: your token is for one lab only")
    return found


def same_origin(request: Request) -> None:
    """A state-changing request sent by a browser comes from one of our pages (403 otherwise)."""
    origin = request.headers.get("origin")
    if origin and origin.rstrip("/") != f"{request.url.scheme}://{request.url.netloc}":
        raise HTTPException(403, "this request comes from another site's page")


def websocket_origin(websocket: HTTPConnection) -> None:
    """A WebSocket opened by a page comes from one of ours: a browser always sends the Origin,
    so one that is not this server's is another site's page (403); a browser's cookie alone,
    without an Origin, is refused too. A script (a token in the header or the address) may
    send none."""
    origin = websocket.headers.get("origin")
    host = websocket.headers.get("host", "")
    scheme = "https" if websocket.url.scheme == "wss" else "http"
    if origin is None:
        if not websocket.query_params.get("token") and not websocket.headers.get("authorization"):
            raise HTTPException(403, "a terminal opened with the page's cookie must come from the page (no Origin)")
        return
    if origin.rstrip("/") != f"{scheme}://{host}":
        raise HTTPException(403, "this terminal is asked for by another site's page")
