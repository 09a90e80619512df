"""Importing a plan from the browser, as `dondoc import` does: upload, a dry-run preview, then
the confirmed import (audited as the staff user). Role ``office`` only; viewers are refused.

Nothing reaches the database before the confirmation; the upload waits under a random name
(web.routes.importing.staging) and is deleted on confirmation, cancellation or a refusal of the
file itself. A plan whose province or task table could not be told, and a confirmation whose
corrections do not read, keep the file: the page says so and the office goes on from it
(choosing the province, the table's columns, or fixing the fields marked).

The preview shows every task dondoc is unsure of with its reasons (the review reasons of
`dondoc import --json`) and fields to correct its text, agencies and deadline, the plan's head
(number, date, title, province), a select per column of the task table (`--columns`), and what
the first sweep after the import would send, for the tracking day and backlog the office chooses
(web/routes/importing/review.py reads those fields).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from flows.importing.flow import (
    ImportOutcome,
    ImportReview,
    parse_plan_document,
    read_indicators,
    rehearse_import,
    review_plan,
    store_plan,
)
from models.agencies.setup import configured_directory
from models.core.web_tables import StaffUser
from models.progress.evidence import too_large_message
from tasks.common.text import vi_sort_key
from tasks.importing.corrections import CorrectionError, Corrections
from tasks.importing.layouts import LAYOUTS_FILE, ColumnMapping, ColumnSpecError, LayoutStore, parse_columns
from tasks.importing.parse import ParsedPlan, PlanImportError
from tasks.importing.readers import PlanDocument, PlanFileError
from tasks.importing.readers.limits import read_with_memory_ceiling
from web.deps import actor_of_user, csrf_checked, office_actor, user_provinces
from web.messages import flash
from web.routes.importing.preview import (
    COLUMN_ROLES,
    MAX_FLAGGED,
    build_preview,
    column_table,
    duties_changed,
    plan_error_message,
)
from web.routes.importing.review import ReviewInput, read_columns, read_review, tracking_choice
from web.routes.importing.staging import (
    NO_FILE,
    ExpiredReference,
    ImportInputError,
    StagedRef,
    claim,
    discard,
    discard_stale,
    make_ref,
    read_ref,
    stage,
    staged_path,
)
from web.templating import render

router = APIRouter(include_in_schema=False)
CHECKED = [Depends(csrf_checked)]
YEARS = range(1990, 2101)


def _provinces(request: Request) -> list[tuple[str, str]]:
    """(slug, name) of every province the agency directory knows (of the account's scope only)."""
    directory = configured_directory(settings=request.app.state.settings)  # set-up provinces included
    scope = user_provinces(request)
    return [(slug, directory.province(slug).name) for slug in directory.provinces if scope is None or slug in scope]


def _form(request: Request, *, error: str | None = None, values: dict[str, str] | None = None,
          status_code: int = 200, kept: dict[str, Any] | None = None) -> Response:
    """The upload form; with ``error`` it keeps the province and year that were chosen. ``kept``:
    the file is still on the server (its reference, name and table header), to go on from it."""
    context: dict[str, Any] = {
        "provinces": _provinces(request), "max_mb": request.app.state.settings.import_max_mb, "error": error,
        "values": values or {"province": "", "year": ""}, "flash": None if error else flash(request),
        "kept": kept, "roles": COLUMN_ROLES,
    }
    return render(request, "plan_import.html", context, status_code=status_code)


def _province(request: Request, raw: str) -> str | None:
    if not raw:
        return None  # inferred from the document, as the command line does
    known = dict(_provinces(request))
    if raw not in known:
        raise ImportInputError(f"Tỉnh “{raw[:40]}” không có trong danh mục cơ quan: chọn một trong "
                               f"{', '.join(known.values())}, hoặc để hệ thống tự nhận biết.")
    return raw


def _year(raw: str) -> int | None:
    if not raw:
        return None
    if not raw.isdigit() or int(raw) not in YEARS:
        raise ImportInputError(f"Năm “{raw[:10]}” không hợp lệ: nhập năm gồm 4 chữ số (ví dụ 2020) hoặc để trống.")
    return int(raw)


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


@router.get("/plans/import")
def import_form(request: Request, user: StaffUser = Depends(office_actor)) -> Response:
    return _form(request)


async def _drain(request: Request) -> None:
    async for _chunk in request.stream():
        pass


@router.post("/plans/import")
async def upload(request: Request, user: StaffUser = Depends(office_actor)) -> Response:
    """Stage the file and show the dry run. A body announced larger than the limit is read and
    dropped unparsed (the browser still gets the form with the message), never stored."""
    max_bytes = request.app.state.settings.import_max_mb * 1024 * 1024
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > max_bytes + 64 * 1024:
        await _drain(request)
        return await run_in_threadpool(lambda: _form(request, error=too_large_message(max_bytes), status_code=400))
    await csrf_checked(request)
    form = await request.form(max_files=1, max_fields=10)
    values = {"province": _text(form.get("province")), "year": _text(form.get("year"))}
    try:
        return await run_in_threadpool(_preview, request, user, form.get("file"), values, max_bytes)
    finally:
        await form.close()


def _preview(request: Request, user: StaffUser, upload: object, values: dict[str, str], max_bytes: int) -> Response:
    settings = request.app.state.settings
    try:
        province, year = _province(request, values["province"]), _year(values["year"])
        if not isinstance(upload, UploadFile):
            raise ImportInputError(NO_FILE)
        discard_stale(settings.data_dir)
        staged = stage(upload.file, filename=upload.filename, data_dir=settings.data_dir, max_bytes=max_bytes)
    except ImportInputError as exc:
        return _form(request, error=str(exc), values=values, status_code=400)
    ref = StagedRef(stored=staged.stored, original=staged.original, province=province, year=year)
    return _review(request, user, ref, review=ReviewInput(), values=values)


def _read(request: Request, ref: StagedRef, columns: ColumnMapping | None) -> tuple[PlanDocument, ParsedPlan]:
    """The dry run of import_plan, its reading done in a process of its own under a memory ceiling:
    whatever an upload costs to read (a zip bomb...), the server does not grow."""
    settings = request.app.state.settings
    doc = read_with_memory_ceiling(staged_path(settings.data_dir, ref.stored), memory_mb=settings.import_memory_mb)
    parsed = parse_plan_document(doc, source_name=ref.original, province=ref.province, year=ref.year,
                                 columns=columns)
    scope = user_provinces(request)
    if scope is not None and parsed.province.slug not in scope:  # another province's plan: not this account's
        raise PlanImportError(f"Kế hoạch này của {parsed.province.name}, không thuộc tỉnh của tài khoản; "
                              "tài khoản chỉ nhập được kế hoạch của tỉnh mình.")
    return doc, parsed


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# the refusals the office can get past with the same file: a province to choose, columns to name
def _recoverable(exc: Exception) -> bool:
    text = str(exc)
    return "cannot tell which province" in text or "no task table" in text or "--columns" in text


def _kept(request: Request, user: StaffUser, ref: StagedRef, exc: PlanFileError | PlanImportError,
          values: dict[str, str] | None, doc: PlanDocument | None) -> Response:
    """A refusal of the file's content: the form with the message; the file stays on the server
    when choosing the province or the columns can get past it, else it is deleted."""
    settings = request.app.state.settings
    message = plan_error_message(exc, original=ref.original, stored=ref.stored)
    values = values or {"province": ref.province or "", "year": str(ref.year or "")}
    if not _recoverable(exc):
        discard(settings.data_dir, ref.stored)
        return _form(request, error=message, values=values, status_code=400)
    if doc is None:
        try:
            doc = read_with_memory_ceiling(staged_path(settings.data_dir, ref.stored),
                                           memory_mb=settings.import_memory_mb)
        except PlanFileError:
            doc = None
    mapping = _mapping(ref.columns)
    kept = {"ref": make_ref(settings.secret_key, ref, user_id=user.id, province=ref.province,  # type: ignore[arg-type]
                            year=ref.year, columns=ref.columns),
            "filename": ref.original, "columns": column_table(doc, mapping) if doc is not None else None}
    return _form(request, error=message, values=values, status_code=400, kept=kept)


def _mapping(spec: str | None) -> ColumnMapping | None:
    try:
        return parse_columns(spec) if spec else None
    except ColumnSpecError:
        return None


def _review(request: Request, user: StaffUser, ref: StagedRef, *, review: ReviewInput,
            values: dict[str, str] | None = None, confirm: bool = False) -> Response:
    """Read the staged file again with the options chosen, apply the office's corrections and
    show the preview (status 400 with every field that does not read marked); with ``confirm``
    and nothing to mark, import it."""
    settings = request.app.state.settings
    if not staged_path(settings.data_dir, ref.stored).exists():
        return _form(request, error="Tệp đã tải lên không còn trên máy chủ (đã nhập, đã hủy hoặc quá hạn): "
                                    "hãy tải tệp lên lại.", status_code=400)
    mapping = _mapping(ref.columns)
    doc: PlanDocument | None = None
    try:
        doc, parsed = _read(request, ref, mapping)
    except (PlanFileError, PlanImportError) as exc:
        return _kept(request, user, ref, exc, values, doc)
    except BaseException:
        discard(settings.data_dir, ref.stored)  # a broken agency directory, the database down, ...
        raise
    if review.province and review.province != parsed.province.slug:
        # another province: its directory resolves the agencies anew, so the rows are read again
        # and the corrections typed for the old reading are dropped
        try:
            ref = StagedRef(stored=ref.stored, original=ref.original, province=_province(request, review.province),
                            year=ref.year, columns=ref.columns)
            doc, parsed = _read(request, ref, mapping)
        except ImportInputError as exc:
            return _form(request, error=str(exc), status_code=400)
        except (PlanFileError, PlanImportError) as exc:
            return _kept(request, user, ref, exc, values, doc)
        review, confirm = ReviewInput(tracking=review.tracking), False
    today = request.app.state.today()
    errors: dict[str, dict[str, str]] = {}
    tracking, problem = tracking_choice(review.tracking, today=today)
    if problem:
        errors["tracking"] = problem
    corrections: Corrections | None = None
    import_review = ImportReview(head=review.head, rows=review.rows, tracking=tracking)
    try:
        corrections = review_plan(parsed, import_review)
    except CorrectionError as exc:
        errors.update(exc.errors)
    if confirm and not errors:
        return _import(request, user, ref, import_review, mapping, doc=doc, parsed=parsed, corrections=corrections)
    path = staged_path(settings.data_dir, ref.stored)
    outcome = rehearse_import(doc, parsed, source_name=ref.original, sha256=_sha256(path), tracking=tracking,
                              corrections=corrections)
    summary = outcome.summary
    new_plan = summary is None or summary.plan_created
    token = make_ref(settings.secret_key, ref, user_id=user.id, province=ref.province, year=ref.year,  # type: ignore[arg-type]
                     columns=ref.columns)
    preview = build_preview(parsed, None if new_plan else summary, None if new_plan else outcome.duties,
                            filename=ref.original, typed=review.rows, errors=errors, head=review.head,
                            forecast=outcome.forecast, columns=column_table(doc, mapping), columns_spec=ref.columns)
    context = {"p": preview, "ref": token, "new_plan": new_plan, "provinces": _provinces(request),
               "tracking": review.tracking.for_form(today), "tracking_errors": errors.get("tracking", {}),
               "roles": COLUMN_ROLES, "errors": errors, "max_flagged": MAX_FLAGGED,
               "agency_names": sorted({a.name for a in parsed.province.agencies}, key=vi_sort_key)}
    return render(request, "plan_import_preview.html", context, status_code=400 if errors else 200)


def _import(request: Request, user: StaffUser, ref: StagedRef, review: ImportReview, mapping: ColumnMapping | None,
            *, doc: PlanDocument, parsed: ParsedPlan, corrections: Corrections | None) -> Response:
    """Store what ``_review`` has just read, under the memory ceiling, and corrected: the file is
    not read again in this process (import_plan would: a file just under the ceiling would cost
    the server as much again, issue 17). The same steps as import_plan after its reading: the
    plan's indicators, then everything in one transaction, audited under this actor."""
    settings = request.app.state.settings
    try:
        path = claim(settings.data_dir, ref.stored)
    except ImportInputError as exc:
        return _form(request, error=str(exc), status_code=400)
    try:
        indicators = read_indicators(doc, parsed)
        summary, duties = store_plan(parsed, source_name=ref.original, sha256=_sha256(path),
                                     actor=actor_of_user(user), indicators=indicators, corrections=corrections,
                                     tracking=review.tracking)
        outcome = ImportOutcome(parsed=parsed, summary=summary, duties=duties, corrections=corrections)
    except (PlanFileError, PlanImportError, CorrectionError) as exc:  # the agency directory changed since
        message = (str(exc) if isinstance(exc, CorrectionError)
                   else plan_error_message(exc, original=ref.original, stored=ref.stored))
        return _form(request, error=message, status_code=400)
    finally:
        path.unlink(missing_ok=True)
    if mapping is not None and outcome.parsed.column_layout is not None:
        # remembered for the next plans of this layout, as `dondoc import --columns` does
        LayoutStore(settings.data_dir / LAYOUTS_FILE).remember(outcome.parsed.column_layout, mapping)
    return RedirectResponse(_plan_url(outcome), status_code=303)


def _plan_url(outcome: ImportOutcome) -> str:
    """The plan's page with the outcome (codes and numbers only: nothing typed is echoed)."""
    summary, duties = outcome.summary, outcome.duties
    assert summary is not None
    if summary.plan_created:
        params: dict[str, object] = {"msg": "plan_created", "created": summary.created}
    elif summary.changed or duties_changed(duties):
        params = {"msg": "plan_updated", "created": summary.created, "updated": summary.updated,
                  "cancelled": summary.cancelled, "unchanged": summary.unchanged}
        if duties is not None and duties.withdrawn:  # the revised text no longer proposes them
            params["withdrawn"] = duties.withdrawn
    else:
        params = {"msg": "plan_unchanged", "unchanged": summary.unchanged}
    corrections = outcome.corrections
    if corrections is not None and corrections.tasks:  # corrected in the preview, audited
        params["corrected"] = len(corrections.tasks)
    return f"/plans/{summary.plan_id}?{urlencode(params)}"


async def _posted(request: Request) -> Any:
    """The preview's form (a field per correction: more than the default limit of fields), its
    CSRF token checked."""
    form = await request.form(max_fields=MAX_FLAGGED * 6 + 200, max_files=0)
    await csrf_checked(request)
    return form


def _ref_of(request: Request, user: StaffUser, form: Any) -> StagedRef | Response:
    settings = request.app.state.settings
    try:
        return read_ref(settings.secret_key, form.get("ref") or "", user_id=user.id)  # type: ignore[arg-type]
    except ExpiredReference as exc:
        discard(settings.data_dir, exc.stored)
        return _form(request, error=str(exc), status_code=400)
    except ImportInputError as exc:
        return _form(request, error=str(exc), status_code=400)


@router.post("/plans/import/confirm")
async def confirm(request: Request, user: StaffUser = Depends(office_actor)) -> Response:
    """Xác nhận nhập: the corrections and the tracking choice are checked; if any does not read,
    the preview again with the fields marked (the file kept), else the import."""
    form = await _posted(request)
    ref = _ref_of(request, user, form)
    if isinstance(ref, Response):
        return ref
    return await run_in_threadpool(_review, request, user, ref, review=read_review(form), confirm=True)


@router.post("/plans/import/review")
async def review(request: Request, user: StaffUser = Depends(office_actor)) -> Response:
    """Xem lại: the preview recomputed with the corrections, province and tracking choice typed
    (the forecast of the first sweep follows them); nothing is imported. Also where the form of a
    refused file goes on from the kept file, with a province or year chosen."""
    form = await _posted(request)
    ref = _ref_of(request, user, form)
    if isinstance(ref, Response):
        return ref
    values = {"province": str(form.get("province") or ""), "year": str(form.get("year") or "")}
    if "year" in form:  # the form of a refused file, kept: the province and year chosen there
        try:
            province, year = _province(request, values["province"]), _year(values["year"])
        except ImportInputError as exc:
            return _form(request, error=str(exc), values=values, status_code=400)
        ref = StagedRef(stored=ref.stored, original=ref.original, province=province or ref.province,
                        year=year or ref.year, columns=ref.columns)
    return await run_in_threadpool(_review, request, user, ref, review=read_review(form), values=values)


def _columns_refused(request: Request, user: StaffUser, ref: StagedRef, problem: str) -> Response:
    """The columns chosen do not make a mapping: the form again with the file kept and its header."""
    settings = request.app.state.settings
    path = staged_path(settings.data_dir, ref.stored)
    try:
        doc: PlanDocument | None = read_with_memory_ceiling(path, memory_mb=settings.import_memory_mb)
    except (PlanFileError, OSError):
        doc = None
    kept = {"ref": make_ref(settings.secret_key, ref, user_id=user.id, province=ref.province,  # type: ignore[arg-type]
                            year=ref.year, columns=ref.columns),
            "filename": ref.original, "columns": column_table(doc, None) if doc is not None else None}
    return _form(request, error=problem, status_code=400, kept=kept)


@router.post("/plans/import/columns")
async def columns(request: Request, user: StaffUser = Depends(office_actor)) -> Response:
    """Chọn cột: the task table read through the columns the office chose (a select per column,
    as `dondoc import --columns`); remembered for the same layout once the plan is imported."""
    form = await _posted(request)
    ref = _ref_of(request, user, form)
    if isinstance(ref, Response):
        return ref
    spec, problem = read_columns(form)
    if problem is not None:
        return await run_in_threadpool(_columns_refused, request, user, ref, problem)
    ref = StagedRef(stored=ref.stored, original=ref.original, province=ref.province, year=ref.year, columns=spec)
    return await run_in_threadpool(_review, request, user, ref, review=ReviewInput())


@router.post("/plans/import/cancel", dependencies=CHECKED)
def cancel(request: Request, ref: str = Form(""), user: StaffUser = Depends(office_actor)) -> Response:
    """Hủy: the staged file is deleted, nothing is imported."""
    settings = request.app.state.settings
    try:
        discard(settings.data_dir, read_ref(settings.secret_key, ref, user_id=user.id).stored)  # type: ignore[arg-type]
    except ExpiredReference as exc:
        discard(settings.data_dir, exc.stored)
    except ImportInputError as exc:
        return _form(request, error=str(exc), status_code=400)
    return RedirectResponse("/plans/import?msg=import_cancelled", status_code=303)
