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
(``Project._open``); static files come from a fixed list. Every write is one route,
``POST /api/action/<name>`` (review/actions/: one module each): its body is bounded as it is read
and checked against the action's declared fields, and the sentence id and base against the
pipeline's forms, before the action runs.
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
from pipeline.review import actions, pages
from pipeline.review.actions.base import Action, problem
from pipeline.review.project import NEEDS_EDITING, NotFound, Place, Project
from pipeline.review.saving import BASE_RE, SID_RE
from pipeline.store import fileio

CSP = (
    "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
STATIC = {"review.js": "text/javascript; charset=utf-8", "review.css": "text/css; charset=utf-8"}
MAX_BODY = 1_000_000
HTTP_STATUS = {"saved": 200, "approved": 200, "unchanged": 200, "marked": 200, "conflict": 409, "busy": 409, "refused": 422, "error": 500}
MAX_DEPTH = 4  # a save is one flat object; deeper nesting is refused before parsing
RESTARTED = (
    "The review server was restarted, so this page's session is over: open the address "
    "`pipeline review` printed when it started again. Your unsaved text is kept in this page."
)
WILDCARDS = ("0.0.0.0", "::", "")
BACKLOG = 128


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
        cookie = request.cookies.get(self.cookie)
        if not _same(cookie or "", self.token):
            if cookie and scope["path"].startswith("/api/"):  # a tab from before a restart: the old token
                return await JSONResponse({"status": "restarted", "message": RESTARTED}, 403)(scope, receive, send)
            if cookie:
                return await _refuse(403, RESTARTED.replace(" Your unsaved text is kept in this page.", ""))(scope, receive, send)
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


ADDRESS = {"target": str, "rel": str, "id": str, "base": str}  # every action's request names its sentence so
EDITOR = "editor"  # and may name who makes the change


def _bad(message: str) -> Response:
    return JSONResponse({"status": "refused", "message": message}, 400)


async def _body(request: Request) -> bytes | None:
    """The request's body, or None past MAX_BODY: counted as it is read, whatever the framing
    (Content-Length or chunked), so a 50 MB paste costs at most MAX_BODY of memory."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY):
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def _request_json(request: Request, action: Action) -> dict | Response:
    """An action's JSON object: the sentence's address, the editor, and the action's fields, each
    of its kind; any other body is 400 (413 too large). No action sees a body that fails here."""
    raw = await _body(request)
    if raw is None:
        return JSONResponse({"status": "refused", "message": f"too large: a request holds at most {MAX_BODY:,} bytes"}, 413)
    try:
        data = fileio.load_json(raw, MAX_DEPTH)  # strict UTF-8, no lone surrogate; nesting bounded before the parser recurses
    except ValueError as e:
        return _bad(
            "the request holds a lone surrogate, which no file can hold" if isinstance(e, fileio.LoneSurrogate) else "not a JSON request"
        )
    if not isinstance(data, dict) or any(k not in data for k in ADDRESS):
        return _bad("not a request of this app: fields are missing")
    for key, kind in (*ADDRESS.items(), (EDITOR, str)):
        if key in data and not isinstance(data[key], kind):
            return _bad(f"not a request of this app: {key!r}")
    wrong = problem(action, {k: v for k, v in data.items() if k not in ADDRESS and k != EDITOR})
    return _bad(f"not a request of this app: {wrong}") if wrong else data


def _place(data: dict) -> Place:
    return Place(data["target"], data["rel"], data["id"], data["base"])


async def _answer(method, *args) -> Response:
    """A write's outcome as JSON, with the sentence rendered again and the article's counts."""
    try:
        saved = await run_in_threadpool(method, *args)
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
            **a.counts(),
        )
    return JSONResponse(body, HTTP_STATUS.get(saved.status, 500))


def create_app(project: Project, token: str, allowed_host: Callable[[str], bool], cookie: str = "pipeline-review"):
    def nonce(request: Request) -> str:
        return request.scope["state"]["nonce"]

    async def home(request: Request) -> Response:
        q = request.query_params
        state = q.get("state", "") if q.get("state", "") in freshness.STATUSES else ""
        flag = q.get("flag", "")
        flag = flag if flag in ("flagged", "unreviewed", NEEDS_EDITING) or flag in flags.PROBLEMS else ""
        query = q.get("q", "").strip()[:200]
        rows, problems = await run_in_threadpool(project.rows, state, flag, query)
        return HTMLResponse(pages.home(rows, problems, state, flag, query, nonce(request), sorted(flags.PROBLEMS)))

    async def article(request: Request) -> Response:
        show = request.query_params.get("show", "all")
        show = show if show in pages.SHOW else "all"
        query = request.query_params.get("q", "").strip()[:200]
        target, rel = request.path_params["target"], request.path_params["rel"]
        try:
            a = await run_in_threadpool(project.article, target, rel, query)
        except NotFound as e:
            return HTMLResponse(pages.message("Not found", str(e), nonce(request)), 404)
        following = await run_in_threadpool(project.next_attention, target, rel)
        return HTMLResponse(pages.article(a, show, query, nonce(request), following, project.editor))

    known = actions.registered()

    async def act(request: Request) -> Response:
        """POST /api/action/<name>: the one route of every write (actions/: one module each)."""
        action = known.get(request.path_params["name"])
        if action is None:
            return JSONResponse({"status": "refused", "message": "no such action in this app"}, 404)
        data = await _request_json(request, action)
        if isinstance(data, Response):
            return data
        at = _place(data)
        if not SID_RE.fullmatch(at.sid) or not BASE_RE.fullmatch(at.base):
            return JSONResponse({"status": "refused", "message": "not a sentence id of this pipeline"}, 422)
        return await _answer(action.apply, project, at, data)

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
            Route("/api/action/{name}", act, methods=["POST"]),
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
        sock.listen(BACKLOG)  # connections are accepted from now on, before the address is printed
    except OSError:
        sock.close()
        raise
    return sock


class _Uvicorn(uvicorn.Server):
    """uvicorn's server, saying when it is ready to answer."""

    ready: Callable[[], None] | None = None

    async def startup(self, sockets=None) -> None:
        await super().startup(sockets=sockets)
        if self.started and self.ready is not None:
            self.ready()


@dataclass
class Server:
    url: str  # with the token: what the user opens
    port: int
    server: _Uvicorn
    sock: socket.socket
    thread: threading.Thread | None = None

    def run(self, ready: Callable[[], None] | None = None) -> None:
        """Serve until interrupted (Ctrl+C); ready() once requests are answered (print the address then)."""
        self.server.ready = ready
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
    return Server(f"http://{shown}:{port}/?token={token}", port, _Uvicorn(config), sock)
