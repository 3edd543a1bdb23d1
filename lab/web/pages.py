"""Rendering the pages: one Jinja environment (lab/web/templates), the reader's language
(`?lang=ja`, else LAB_LANG), and errors as one sentence - JSON for the API, a short page for
a person. A page opened with `?token=` sets the token as a cookie and sends the browser to the
same address without it (so it stays out of the history and of what the page links to)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from lab.views import lang as langs
from lab.web.guard import COOKIE

ENV = Environment(loader=PackageLoader("lab.web", "templates"), autoescape=True)


def language(request: Request) -> str:
    asked = request.query_params.get("lang", "")
    return "ja" if asked.lower().startswith("ja") else "en" if asked else langs.current()


def cookie_redirect(request: Request) -> Response | None:
    """A page opened with ?token=: the cookie, and the same address without the token."""
    token = request.query_params.get("token")
    if not token:
        return None
    rest = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "token"])
    response = RedirectResponse(request.url.path + (f"?{rest}" if rest else ""), status_code=303)
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=request.url.scheme == "https")
    return response


def render(request: Request, template: str, inline_styles: bool = False, **context: Any) -> HTMLResponse:
    """The page; `inline_styles`: it runs xterm.js, which sets its terminal's styles in a <style>
    of its own (scripts stay this server's only)."""
    lang = language(request)
    style = "'self' 'unsafe-inline'" if inline_styles else "'self'"
    suffix = "?lang=ja" if lang == "ja" else ""
    return HTMLResponse(ENV.get_template(template).render(
        lang=lang, t=lambda key: langs.t(key, lang), suffix=suffix, **context),
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
                 "Content-Security-Policy": f"default-src 'self'; style-src {style}; img-src 'self' data:",
                 "X-Content-Type-Options": "nosniff"})


def error(request: Request, exc: Exception) -> Response:
    """Any HTTP error: its one sentence (JSON under /api/, a short page otherwise)."""
    code = exc.status_code if isinstance(exc, HTTPException) else 500
    said = exc.detail if isinstance(exc, HTTPException) else "the server failed; its log says why"
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": said}, status_code=code)
    return HTMLResponse(ENV.get_template("error.html.j2").render(code=code, said=said, lang=language(request)),
                        status_code=code)
