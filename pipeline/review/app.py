"""The review app: Starlette routes behind a guard, served by uvicorn.

The guard is the whole security model, applied to every request before any route runs:
- the Host header must be the address the server is bound to (a page on another site that
  re-points its own name at 127.0.0.1, DNS rebinding, is refused);
- a random token per launch: in the URL once, then exchanged for an HttpOnly, SameSite=Strict
  cookie (named after the port: cookies ignore ports) and dropped from the address bar;
- writes must come from the app's own origin, as JSON (no other site's page can post a form);
- every response forbids scripts other than the package's review.js, by a per-request CSP nonce,
  framing, sniffing and referrers.
Articles are addressed by target language and record path, checked against the project's list
(``Project._open``); static files come from a fixed list.
"""

from __future__ import annotations

import ipaddress
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from urllib.parse import quote, urlencode

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from pipeline.commands import freshness
from pipeline.core import flags
from pipeline.review import pages
from pipeline.review.project import NotFound, Project

CSP = (
    "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
STATIC = {"review.js": "text/javascript; charset=utf-8", "review.css": "text/css; charset=utf-8"}
MAX_BODY = 1_000_000
HTTP_STATUS = {"saved": 200, "approved": 200, "unchanged": 200, "conflict": 409, "busy": 409, "refused": 422, "error": 500}
WILDCARDS = ("0.0.0.0", "::", "")


def host_check(host: str, port: int) -> Callable[[str], bool]:
    """Which Host headers are this server. Bound to every interface, any IP address (a name could
    be rebound by DNS; an address cannot) with the right port."""
    bound = host.strip("[]").lower()

    def allowed(value: str) -> bool:
        name, sep, given_port = value.strip().lower().rpartition(":")
        if not sep or given_port != str(port):
            return False
        name = name[1:-1] if name.startswith("[") and name.endswith("]") else name
        if bound in WILDCARDS:
            try:
                ipaddress.ip_address(name)
                return True
            except ValueError:
                return False
        return name == bound

    return allowed


def _same(given: str, token: str) -> bool:
    return secrets.compare_digest(given.encode("utf-8", "surrogateescape"), token.encode())


class Guard:
    """ASGI middleware: Host, token, Origin, security headers (see the module's docstring)."""

    def __init__(self, app, token: str, allowed_host: Callable[[str], bool], cookie: str):
        self.app, self.token, self.allowed_host, self.cookie = app, token, allowed_host, cookie

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            if scope["type"] == "lifespan":
                await self.app(scope, receive, send)
            return  # no websockets here
        nonce = secrets.token_urlsafe(18)
        scope.setdefault("state", {})["nonce"] = nonce
        send = _secured(send, nonce)
        headers = Headers(scope=scope)
        host = headers.get("host", "")
        if not self.allowed_host(host):
            return await _refuse(421, "This server answers only to the address it printed (a request for another host name was refused).")(
                scope, receive, send
            )
        request = Request(scope)
        given = request.query_params.get("token")
        if given is not None and scope["method"] in ("GET", "HEAD") and _same(given, self.token):
            # the token in the URL once, then a cookie: it leaves the address bar and the history
            rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
            path = quote(scope["path"]) if not scope["path"].startswith("//") else "/"
            response = RedirectResponse(path + (f"?{urlencode(rest)}" if rest else ""), 303)
            response.set_cookie(self.cookie, self.token, httponly=True, samesite="strict", path="/")
            return await response(scope, receive, send)
        if not _same(request.cookies.get(self.cookie, ""), self.token):
            return await _refuse(403, "Open the address `pipeline review` printed: it holds this session's token.")(scope, receive, send)
        if scope["method"] not in ("GET", "HEAD"):
            if headers.get("origin") != f"http://{host}" or headers.get("sec-fetch-site", "same-origin") != "same-origin":
                return await _refuse(403, "Refused: a write from another origin.")(scope, receive, send)
            if headers.get("content-type", "").split(";")[0].strip() != "application/json":
                return await _refuse(415, "Refused: writes are JSON.")(scope, receive, send)
        await self.app(scope, receive, send)


def _refuse(status: int, text: str) -> Response:
    return PlainTextResponse(text + "\n", status)


def _secured(send, nonce: str):
    async def wrapped(message):
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            headers["Content-Security-Policy"] = CSP.format(nonce=nonce)
            headers["X-Content-Type-Options"] = "nosniff"
            headers["X-Frame-Options"] = "DENY"
            headers["Referrer-Policy"] = "no-referrer"
            headers["Cross-Origin-Opener-Policy"] = "same-origin"
            headers["Cross-Origin-Resource-Policy"] = "same-origin"
            headers["Cache-Control"] = "no-store"
        await send(message)

    return wrapped


def create_app(project: Project, token: str, allowed_host: Callable[[str], bool], cookie: str = "pipeline-review"):
    def nonce(request: Request) -> str:
        return request.scope["state"]["nonce"]

    async def home(request: Request) -> Response:
        q = request.query_params
        state = q.get("state", "") if q.get("state", "") in freshness.STATUSES else ""
        flag = q.get("flag", "")
        flag = flag if flag in ("flagged", "unreviewed") or flag in flags.PROBLEMS else ""
        query = q.get("q", "").strip()[:200]
        rows, problems = await run_in_threadpool(project.rows, state, flag, query)
        return HTMLResponse(pages.home(rows, problems, state, flag, query, nonce(request), sorted(flags.PROBLEMS)))

    async def article(request: Request) -> Response:
        show = request.query_params.get("show", "all")
        show = show if show in pages.SHOW else "all"
        query = request.query_params.get("q", "").strip()[:200]
        try:
            a = await run_in_threadpool(project.article, request.path_params["target"], request.path_params["rel"], query)
        except NotFound as e:
            return HTMLResponse(pages.message("Not found", str(e), nonce(request)), 404)
        return HTMLResponse(pages.article(a, show, query, nonce(request)))

    async def save(request: Request) -> Response:
        if int(request.headers.get("content-length") or 0) > MAX_BODY:
            return JSONResponse({"status": "refused", "message": "too large"}, 413)
        try:
            data = await request.json()
            target, rel, sid, base, text = (data[k] for k in ("target", "rel", "id", "base", "text"))
            approve = data.get("approve", False)
            if not all(isinstance(v, str) for v in (target, rel, sid, base, text)) or not isinstance(approve, bool):
                raise TypeError
        except (ValueError, KeyError, TypeError, AttributeError):
            return JSONResponse({"status": "refused", "message": "not a save request"}, 400)
        try:
            saved = await run_in_threadpool(project.save, target, rel, sid, base, text, approve)
        except NotFound as e:
            return JSONResponse({"status": "refused", "message": str(e)}, 404)
        body: dict[str, object] = {"status": saved.status, "message": saved.message, "mine": saved.mine}
        s, a = saved.sentence, saved.article
        if s is not None and a is not None:
            body.update(
                base=s.base,
                current=s.target,
                origin=s.origin,
                row=pages.sentence(a, s),
                current_html=pages.editor_html(s.target or "", s.chips),
                flagged=sum(1 for x in a.sentences() if x.problems),
                unreviewed=sum(1 for x in a.sentences() if x.editable and x.origin == "machine"),
            )
        return JSONResponse(body, HTTP_STATUS.get(saved.status, 500))

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC:
            return PlainTextResponse("Not found\n", 404)
        data = (resources.files("pipeline.review") / "static" / name).read_bytes()
        return Response(data, media_type=STATIC[name])

    app = Starlette(
        routes=[
            Route("/", home),
            Route("/a/{target}/{rel:path}", article),
            Route("/api/save", save, methods=["POST"]),
            Route("/static/{name}", static),
            Route("/favicon.ico", lambda request: Response(status_code=204)),  # browsers ask; nothing to show
        ]
    )
    return Guard(app, token, allowed_host, cookie)


# --- the server ------------------------------------------------------------------------------------


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound before the app is built so the app knows its port (0: any free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError:
        sock.close()
        raise
    return sock


@dataclass
class Server:
    url: str  # with the token: what the user opens
    port: int
    server: uvicorn.Server
    sock: socket.socket
    thread: threading.Thread | None = None

    def run(self) -> None:
        """Serve until interrupted (Ctrl+C)."""
        try:
            self.server.run(sockets=[self.sock])
        finally:
            self.sock.close()

    def start(self, timeout: float = 10.0) -> Server:
        """Serve from a thread (tests); ``stop`` ends it."""
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the review server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(10)
        self.sock.close()


def make(project: Project, host: str = "127.0.0.1", port: int = 0) -> Server:
    sock = bind(host, port)
    port = sock.getsockname()[1]
    token = secrets.token_urlsafe(32)
    app = create_app(project, token, host_check(host, port), cookie=f"pipeline-review-{port}")
    config = uvicorn.Config(
        app,
        log_config=None,
        log_level="warning",
        access_log=False,
        ws="none",
        lifespan="off",
        proxy_headers=False,
        server_header=False,
    )
    bare = host.strip("[]")
    shown = "127.0.0.1" if bare in WILDCARDS else (f"[{bare}]" if ":" in bare else bare)
    return Server(f"http://{shown}:{port}/?token={token}", port, uvicorn.Server(config), sock)
