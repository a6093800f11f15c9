"""The pages over HTTP (aiohttp.web): routes, security headers, the review POST.

Every response carries a strict Content-Security-Policy (no script at all, styles only from
/static): the pages work without JavaScript. Rendering reads the store, so it runs in a
worker thread, never on the event loop. `/metrics` and `/healthz` are served too when a
status source is given (the daemon's listener).
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from importlib.resources import files
from urllib.parse import urlsplit

from aiohttp import web

from monitor.errors import StoreError
from monitor.observe import StatusSource, health_document, metrics_page
from monitor.web.site import BadRequest, NotFound, Page, Site

log = logging.getLogger(__name__)

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
SLUG = r"{slug:[a-z0-9-]+}"
FIGURE = r"{figure:[^/.]+}"
MAX_FORM = 4096  # a review form is three short fields
SITE: web.AppKey[Site] = web.AppKey("site", Site)


def make_app(site: Site, status_source: StatusSource | None = None) -> web.Application:
    """The application serving `site` (and /metrics, /healthz with a status source)."""
    app = web.Application(middlewares=[_guard], client_max_size=MAX_FORM)
    app[SITE] = site
    css = files("monitor.web").joinpath("static/style.css").read_bytes()

    async def style(_request: web.Request) -> web.Response:
        return web.Response(
            body=css,
            content_type="text/css",
            charset="utf-8",
            headers={"Cache-Control": "max-age=3600"},
        )

    routes = [
        web.get("/", _page(lambda r: site.index_page())),
        web.get("/static/style.css", style),
        web.get(f"/topics/{SLUG}.atom", _page(lambda r: site.topic_atom(_slug(r), _base(r)))),
        web.get(f"/topics/{SLUG}", _page(lambda r: site.topic_page(_slug(r)))),
        web.get(
            f"/topics/{SLUG}/{FIGURE}.atom",
            _page(lambda r: site.figure_atom(_slug(r), _fig(r), _base(r))),
        ),
        web.get(
            f"/topics/{SLUG}/{FIGURE}.{{kind:csv|json}}",
            _page(lambda r: site.figure_export(_slug(r), _fig(r), r.match_info["kind"])),
        ),
        web.get(
            f"/topics/{SLUG}/{FIGURE}",
            _page(lambda r: site.figure_page(_slug(r), _fig(r), r.query.get("page"))),
        ),
        web.get(
            r"/values/{id:\d{1,12}}",
            _page(lambda r: site.value_page(int(r.match_info["id"]), loopback=_loopback(r))),
        ),
        web.post(r"/values/{id:\d{1,12}}/review", _review),
        web.get("/alerts", _page(lambda r: site.alerts_page())),
        web.get("/feeds", _page(lambda r: site.feeds_page())),
    ]
    if status_source is not None:
        routes.extend(_observability(status_source))
    app.add_routes(routes)
    return app


def _observability(source: StatusSource) -> list[web.RouteDef]:
    registry_page = metrics_page(source)

    async def metrics(_request: web.Request) -> web.Response:
        content_type, body = await asyncio.to_thread(registry_page)
        response = web.Response(body=body)
        response.headers["Content-Type"] = content_type
        return response

    async def healthz(_request: web.Request) -> web.Response:
        _, daemon = await asyncio.to_thread(source)
        code, document = health_document(daemon, datetime.now(UTC))
        return web.json_response(document, status=code, dumps=json.dumps)

    return [web.get("/metrics", metrics), web.get("/healthz", healthz), web.get("/health", healthz)]


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _page(render: Callable[[web.Request], Page]) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        started = time.perf_counter()
        page = await asyncio.to_thread(render, request)
        took = (time.perf_counter() - started) * 1000
        response = web.Response(body=page.body, status=page.status)
        response.headers["Content-Type"] = page.content_type
        response.headers["Server-Timing"] = f"render;dur={took:.1f}"
        for name, value in page.headers:
            response.headers[name] = value
        return response

    return handler


async def _review(request: web.Request) -> web.StreamResponse:
    site = request.app[SITE]
    observation_id = int(request.match_info["id"])
    form = await request.post()
    verdict, csrf, token = (str(form.get(k, "")) for k in ("verdict", "csrf", "token"))
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        token = header.removeprefix("Bearer ").strip()
    allowed = site.review_allowed(
        observation_id,
        loopback=_loopback(request),
        csrf=csrf,
        token=token,
        same_origin=_same_origin(request),
    )
    if not allowed:
        log.warning("review_refused id=%d remote=%s", observation_id, request.remote)
        page = site.error_page(
            403,
            "Corrections are accepted from this machine (127.0.0.1) through the value's own "
            "page, or with the token set as http.token in settings.yaml.",
        )
        return _response(page)
    location = await asyncio.to_thread(site.review, observation_id, verdict)
    raise web.HTTPSeeOther(location)


@web.middleware
async def _guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Security headers on every answer; our errors as pages, never a traceback."""
    site = request.app[SITE]
    try:
        response = await handler(request)
    except web.HTTPException as error:
        if error.status not in (404, 405):
            error.headers.update(SECURITY_HEADERS)
            raise
        response = _response(site.error_page(error.status, error.reason))
    except NotFound as error:
        response = _response(site.error_page(404, str(error)))
    except BadRequest as error:
        response = _response(site.error_page(400, str(error)))
    except StoreError as error:
        log.warning("page_store_failed path=%s error=%r", request.path, str(error))
        response = _response(site.error_page(503, "The database is not answering; try again."))
    except Exception:
        log.exception("page_failed path=%s", request.path)
        response = _response(site.error_page(500, "Something went wrong drawing this page."))
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def _response(page: Page) -> web.Response:
    response = web.Response(body=page.body, status=page.status)
    response.headers["Content-Type"] = page.content_type
    return response


def _slug(request: web.Request) -> str:
    return request.match_info["slug"]


def _fig(request: web.Request) -> str:
    return request.match_info["figure"]


def _base(request: web.Request) -> str:
    """Where the pages are reached: `http.public_url`, else the address asked for."""
    public = request.app[SITE].config_source().settings.http.public_url
    return public.rstrip("/") if public else f"{request.scheme}://{request.host}"


def _loopback(request: web.Request) -> bool:
    try:
        return ipaddress.ip_address(request.remote or "").is_loopback
    except ValueError:
        return False


def _same_origin(request: web.Request) -> bool:
    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.host
