"""The browser-side files the lab installs with npm (package.json, `npm ci` into node_modules/:
never copied into the repository), served by name - these and nothing else of node_modules/.

    GET /vendor/<name>   xterm.js, xterm.css, addon-fit.js (a token needed, as everywhere)
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from lab.model import settings
from lab.web import guard

FILES = {"xterm.js": "@xterm/xterm/lib/xterm.js", "xterm.css": "@xterm/xterm/css/xterm.css",
         "addon-fit.js": "@xterm/addon-fit/lib/addon-fit.js"}


def get(request: Request) -> Response:
    guard.access(request)
    name = request.path_params["name"]
    if name not in FILES:
        raise HTTPException(404, f"no file {name!r} here: {', '.join(FILES)}")
    path = settings.ROOT / "node_modules" / FILES[name]
    if not path.is_file():
        raise HTTPException(404, f"{name} is not installed: run 'make web' (npm ci installs it from package-lock.json)")
    return FileResponse(path, headers={"Cache-Control": "private, max-age=3600"})
