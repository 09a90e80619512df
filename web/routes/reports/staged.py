"""A period report's file kept across a form error, so that a typo in one value does not make the
agency choose its signed file again (a browser never refills a file input).

A checked upload of a form that is refused goes to ``DONDOC_DATA_DIR/reports-staged/`` under a
random name; the form then carries a signed reference to it (HMAC-SHA256 with
``DONDOC_SECRET_KEY``): the stored name, the uploader's file name, the agency, its report duty
and an expiry. A changed reference fails the signature and one made for another agency or
duty is refused, so a link can only ever send back a file its own agency uploaded for that
report. The file is deleted once the report is recorded; files never sent are deleted after
``STAGED_HOURS``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from web.forms import FormError

FOLDER = "reports-staged"
STAGED_HOURS = 24
_PURPOSE = "report-file"  # a session, CSRF or import signature is never a valid reference
_STORED = re.compile(r"[0-9a-f]{32}")
LOST = "Tệp đã chọn lần trước không còn trên máy chủ (quá hạn hoặc đã gửi): vui lòng chọn lại tệp báo cáo."


@dataclass(frozen=True)
class StagedFile:
    stored: str  # the random name under reports-staged/
    name: str  # the uploader's file name, as checked (web.routes.reports.input.check_file)
    size: int


def _folder(data_dir: Path) -> Path:
    return data_dir / FOLDER


def _mac(secret: str, body: str) -> str:
    digest = hmac.new(secret.encode(), f"{_PURPOSE}|{body}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def stage(data_dir: Path, name: str, data: bytes, *, now: float | None = None) -> StagedFile:
    """Keep a checked file under a random name (and forget files staged too long ago)."""
    discard_stale(data_dir, now=now)
    folder = _folder(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    stored = secrets.token_hex(16)
    with (folder / stored).open("xb") as out:
        out.write(data)
    return StagedFile(stored=stored, name=name, size=len(data))


def make_ref(secret: str, staged: StagedFile, *, agency_id: int, assignment_id: int, now: float | None = None) -> str:
    payload = {"s": staged.stored, "n": staged.name, "z": staged.size, "a": agency_id, "d": assignment_id,
               "e": int((now or time.time()) + STAGED_HOURS * 3600)}
    body = base64.urlsafe_b64encode(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode())
    text = body.decode().rstrip("=")
    return f"{text}.{_mac(secret, text)}"


def read_ref(secret: str, value: str, *, agency_id: int, assignment_id: int,
             now: float | None = None) -> StagedFile:
    """The staged file a reference names, when it is genuine, this agency's for this report and
    not expired; ``FormError`` otherwise."""
    bad = FormError(LOST)
    if not value or value.count(".") != 1 or len(value) > 2000:
        raise bad
    body, sig = value.split(".")
    if not hmac.compare_digest(sig, _mac(secret, body)):
        raise bad
    try:
        payload: dict[str, Any] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        staged = StagedFile(stored=str(payload["s"]), name=str(payload["n"]), size=int(payload["z"]))
        owner, duty, expires = int(payload["a"]), int(payload["d"]), int(payload["e"])
    except (ValueError, KeyError, TypeError):
        raise bad from None
    if not _STORED.fullmatch(staged.stored) or (owner, duty) != (agency_id, assignment_id):
        raise bad
    if expires < (now or time.time()):
        raise bad
    return staged


def load(data_dir: Path, staged: StagedFile) -> bytes:
    try:
        return (_folder(data_dir) / staged.stored).read_bytes()
    except FileNotFoundError:
        raise FormError(LOST) from None


def discard(data_dir: Path, staged: StagedFile) -> None:
    (_folder(data_dir) / staged.stored).unlink(missing_ok=True)


def discard_stale(data_dir: Path, *, now: float | None = None) -> int:
    """Delete staged files older than a reference lives; returns how many."""
    folder = _folder(data_dir)
    if not folder.is_dir():
        return 0
    limit = (now or time.time()) - STAGED_HOURS * 3600
    removed = 0
    for path in folder.iterdir():
        if _STORED.fullmatch(path.name) and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
