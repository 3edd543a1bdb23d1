"""Every request's token: `?token=` (a page then sets it as a cookie and drops it from the
address), a cookie, or `Authorization: Bearer`. No token or a wrong one: 401; a lab's token
on another lab, or on the instructor's pages: 403. Nothing here logs a token."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request

from lab.web.tokens import Access, Kept

COOKIE = "smtplab_token"


def token_of(request: Request) -> str | None:
    given = request.query_params.get("token")
    if given:
        return given
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.cookies.get(COOKIE)


def access(request: Request) -> Access:
    kept: Kept = request.app.state.tokens
    found = kept.now().who(token_of(request))
    if found is None:
        raise HTTPException(401, "a token is needed: open the link `make web` printed for you "
                                 "(or send Authorization: Bearer <token>)")
    return found


def lab(request: Request, name: str) -> Access:
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
