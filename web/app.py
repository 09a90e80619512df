"""The FastAPI application: office pages, agency pages, files, calendars and the JSON API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from urllib.parse import quote, urlencode

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from config.settings import Settings, get_settings
from models.core.db import ensure_schema, get_engine
from tasks.agencies.directory import AgencyDirectoryError
from tasks.common.dates import local_today
from tasks.escalation.policy import load_policy
from web.cache import ProvinceVersions, StampedCache
from web.deps import LoginRequired, PageError, ids_in_range, province_guard
from web.routes import api, auth, office, office_actions, users
from web.routes.agencies import contacts as agency_contacts
from web.routes.agencies import pages as agency_directory
from web.routes.duties import pages as duties_pages
from web.routes.escalation import bulk as bulk_reminders
from web.routes.importing import pages as importing_pages
from web.routes.outbox import pages as outbox_pages
from web.routes.overview import ranking as ranking_pages
from web.routes.planning import pages as planning_pages
from web.routes.progress import agency, files
from web.routes.progress import links as agency_links
from web.routes.progress import office as office_progress
from web.routes.reports import agency as agency_reports
from web.routes.reports import office as office_reports
from web.security import SecurityHeaders, check_secret
from web.templating import render

STATIC = Path(__file__).resolve().parent / "static"
# threads for the synchronous routes (Starlette's default is 40). No more than the connection
# pool keeps open (5): beyond it every request opened and closed a connection of its own.
WEB_THREADS = 5


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    import anyio.to_thread

    anyio.to_thread.current_default_thread_limiter().total_tokens = WEB_THREADS
    yield


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error(request: Request, status: int, message: str) -> Response:
    if _is_api(request):
        return JSONResponse({"detail": message}, status_code=status)
    return render(request, "error.html", {"status": status, "message": message}, status_code=status)


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(PageError)
    async def page_error(request: Request, exc: PageError) -> Response:
        return _error(request, exc.status, exc.message)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": "Cần đăng nhập."}, status_code=401)
        # an agency's link token is never carried into the sign-in page's address (history, logs)
        kept = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "token"])
        target = request.url.path + (f"?{kept}" if kept else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        messages = {404: "Không tìm thấy trang.", 405: "Phương thức không được hỗ trợ.",
                    # FastAPI's own words for a JSON body that cannot be parsed
                    "There was an error parsing the body": "Không đọc được nội dung gửi lên (JSON không hợp lệ)."}
        message = messages.get(exc.status_code) or messages.get(str(exc.detail)) or str(exc.detail)
        response = _error(request, exc.status_code, message)
        response.headers.update(exc.headers or {})  # e.g. the Allow header of a 405
        return response

    @app.exception_handler(AgencyDirectoryError)
    async def broken_directory(request: Request, exc: AgencyDirectoryError) -> Response:
        # the office edits these YAML files: say which file and line, not "Internal Server Error"
        return _error(request, 500, f"Danh mục cơ quan (DONDOC_AGENCIES_DIR) có lỗi, cần sửa trước: {exc}")

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        if _is_api(request):
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors())
            return JSONResponse({"detail": f"Dữ liệu không hợp lệ – {problems}"}, status_code=422)
        return _error(request, 404, "Không tìm thấy trang (địa chỉ không hợp lệ).")


def create_app(settings: Settings | None = None, *, today: Callable[[], date] | None = None) -> FastAPI:
    """The app for ``settings`` (default: the environment). ``today`` is the office's clock
    (Asia/Ho_Chi_Minh); tests pass a fixed day."""
    settings = settings or get_settings()
    check_secret(settings)
    ensure_schema(get_engine(settings.effective_database_url))
    app = FastAPI(title="dondoc", version="0.1.0", description="Theo dõi, đôn đốc thực hiện kế hoạch: API JSON.",
                  openapi_url="/api/openapi.json", docs_url=None, redoc_url=None, lifespan=_lifespan,
                  dependencies=[Depends(ids_in_range), Depends(province_guard)])
    app.state.settings = settings
    app.state.today = today or local_today
    app.state.near_days = load_policy(settings.escalation_policy).near_days
    app.state.cache = StampedCache()
    # the overview's figures per province and their rendered pages (web/overview.py), kept by
    # each province's change counter, not cleared by the writes that clear ``cache``; at most a
    # minute, as before: an audit event committed after a newer one was read is placed only then
    app.state.overviews = StampedCache(max_entries=1024)
    app.state.versions = ProvinceVersions()
    app.state.counts = StampedCache(max_entries=2048)  # list totals by filters
    app.state.pages = StampedCache(max_entries=512)  # rendered task tables by query string
    app.state.forms = StampedCache(max_entries=512)  # rendered filter forms of the task list by filters
    app.state.users = {}  # {session key: (account row, expiry)}: live sessions reused for a few seconds (deps)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # tasks made by hand before office: /tasks/new is not /tasks/{task_id}
    app.include_router(planning_pages.router)
    app.include_router(office_progress.router)
    # the directory before office: /agencies/new, /agencies/groups are not /agencies/{agency_id}
    app.include_router(agency_contacts.router)
    app.include_router(agency_directory.router)
    # importing before office: /plans/import is not /plans/{plan_id}
    for module in (auth, importing_pages, office, office_actions, agency, files, api, office_reports, agency_reports,
                   duties_pages, outbox_pages, users, bulk_reminders, agency_links, ranking_pages):
        app.include_router(module.router)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    _install_handlers(app)
    return app
