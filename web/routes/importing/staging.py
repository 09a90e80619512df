"""Plan files uploaded for import, kept between the preview and the confirmation.

An upload is written to ``DONDOC_DATA_DIR/imports/`` under a random name (32 hex characters
and the extension, which the readers go by); the name the office gave the file is never a
path. The preview page carries a signed reference to it (HMAC-SHA256 with
``DONDOC_SECRET_KEY``): the stored name, the original name, the chosen province and year, the
user and an expiry. A changed reference fails the signature, so a client cannot point the
confirmation at another file or change the options it previewed.
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
from typing import Any, BinaryIO

from models.progress.evidence import clean_filename, save_upload

# what tasks.importing.readers reads (PDF and scans, and .doc/.odt/.rtf through LibreOffice)
EXTENSIONS = ("docx", "xlsx", "txt", "pdf", "doc", "odt", "rtf", "png", "jpg", "jpeg", "tif", "tiff")
KINDS = ("Word (.docx, .doc), PDF (kể cả bản quét), Excel (.xlsx), .odt, .rtf, ảnh chụp (.png, .jpg, .tif) "
         "hoặc văn bản (.txt)")
REF_HOURS = 2  # how long a preview may wait for its confirmation
_PURPOSE = "plan-import"  # a session or CSRF signature is never a valid reference
_STORED = re.compile(r"[0-9a-f]{32}\.(?:" + "|".join(EXTENSIONS) + ")")


class ImportInputError(ValueError):
    """The upload or the confirmation is refused; the message (Vietnamese) is shown in the form."""


class ExpiredReference(ImportInputError):
    """A genuine reference past its time: its staged file may be deleted."""

    def __init__(self, message: str, stored: str) -> None:
        super().__init__(message)
        self.stored = stored


@dataclass(frozen=True)
class StagedFile:
    stored: str  # the random name under imports/
    original: str  # the uploader's file name, cleaned (no path, NFC)
    sha256: str
    size: int


@dataclass(frozen=True)
class StagedRef:
    """What a preview's confirmation button carries, once its signature is checked."""

    stored: str
    original: str
    province: str | None
    year: int | None
    columns: str | None = None  # the office's column mapping (``task=3,lead=4``), when it chose one


def imports_dir(data_dir: Path) -> Path:
    return data_dir / "imports"


def _checked_stored(stored: str) -> str:
    """Anything but a name this module made is refused (never a path)."""
    if not _STORED.fullmatch(stored):
        raise ImportInputError("Tên tệp lưu tạm không hợp lệ.")
    return stored


def staged_path(data_dir: Path, stored: str) -> Path:
    return imports_dir(data_dir) / _checked_stored(stored)


NO_FILE = f"Chưa chọn tệp kế hoạch: hãy chọn một tệp {KINDS}."


def checked_name(filename: str | None) -> tuple[str, str]:
    """(cleaned file name, extension) of an acceptable upload."""
    if not filename or not filename.strip():
        raise ImportInputError(NO_FILE)
    name = clean_filename(filename)
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext == "xls":
        raise ImportInputError(f"Tệp “{name}” theo định dạng Excel cũ (.xls): hãy mở bằng Excel, "
                               "lưu lại thành .xlsx rồi tải lên.")
    if ext not in EXTENSIONS:
        shown = f".{ext}" if ext else "không có phần mở rộng"
        raise ImportInputError(f"Không nhận tệp “{name}” ({shown}): chỉ nhận kế hoạch dạng {KINDS}.")
    return name, ext


def stage(stream: BinaryIO, *, filename: str | None, data_dir: Path, max_bytes: int) -> StagedFile:
    """Check the name, copy the upload under a random name (size checked while copying) and
    return it; on any refusal nothing is left on disk."""
    name, ext = checked_name(filename)
    folder = imports_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    stored = f"{secrets.token_hex(16)}.{ext}"
    sha256, size = save_upload(stream, folder / stored, max_bytes=max_bytes, error=ImportInputError,
                               empty_message=f"Tệp “{name}” rỗng (0 byte): hãy chọn lại tệp kế hoạch.")
    return StagedFile(stored=stored, original=name, sha256=sha256, size=size)


def discard(data_dir: Path, stored: str) -> None:
    staged_path(data_dir, stored).unlink(missing_ok=True)


def discard_stale(data_dir: Path, *, now: float | None = None) -> int:
    """Delete staged files older than a reference lives (previews never confirmed nor
    cancelled: the browser was closed); returns how many."""
    limit = (now or time.time()) - REF_HOURS * 3600
    removed = 0
    # claimed/ too: a confirmation cut short (the server stopped mid-import) leaves its file there
    for folder in (imports_dir(data_dir), imports_dir(data_dir) / "claimed"):
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            if _STORED.fullmatch(path.name) and path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
                removed += 1
    return removed


def claim(data_dir: Path, stored: str) -> Path:
    """Move the staged file out of reach of a second confirmation (a double click, two tabs)
    and return its new path: the rename is atomic, so only one request gets it. The caller
    deletes the returned file when done."""
    source = staged_path(data_dir, stored)
    target_dir = imports_dir(data_dir) / "claimed"
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / stored
    try:
        source.rename(target)
    except FileNotFoundError:
        raise ImportInputError("Tệp đã tải lên không còn trên máy chủ (đã nhập, đã hủy hoặc quá hạn): "
                               "hãy tải tệp lên lại.") from None
    return target


def _mac(secret: str, body: str) -> str:
    digest = hmac.new(secret.encode(), f"{_PURPOSE}|{body}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def make_ref(secret: str, staged: StagedFile | StagedRef, *, user_id: int, province: str | None, year: int | None,
             now: float | None = None, columns: str | None = None) -> str:
    payload = {"s": staged.stored, "n": staged.original, "p": province, "y": year, "u": user_id,
               "e": int((now or time.time()) + REF_HOURS * 3600)}
    if columns:
        payload["c"] = columns
    body = base64.urlsafe_b64encode(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode())
    text = body.decode().rstrip("=")
    return f"{text}.{_mac(secret, text)}"


_BAD_REF = ("Mã xác nhận nhập kế hoạch không hợp lệ (đã bị sửa, hoặc của một phiên làm việc khác): "
            "hãy tải tệp lên lại.")


def read_ref(secret: str, value: str | None, *, user_id: int, now: float | None = None) -> StagedRef:
    """The reference's content when its signature holds, it names this user and it has not expired."""
    if not value or value.count(".") != 1:
        raise ImportInputError(_BAD_REF)
    body, sig = value.split(".")
    if not hmac.compare_digest(sig, _mac(secret, body)):
        raise ImportInputError(_BAD_REF)
    try:
        payload: dict[str, Any] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        ref = StagedRef(stored=str(payload["s"]), original=str(payload["n"]), province=payload["p"],
                        year=payload["y"], columns=payload.get("c"))
        expires, owner = int(payload["e"]), int(payload["u"])
    except (ValueError, KeyError, TypeError):
        raise ImportInputError(_BAD_REF) from None
    _checked_stored(ref.stored)  # signed, so made here; checked again all the same
    if owner != user_id:
        raise ImportInputError(_BAD_REF)
    if expires < (now or time.time()):
        raise ExpiredReference(f"Bản xem trước đã quá {REF_HOURS} giờ nên không còn hiệu lực: hãy tải tệp lên lại.",
                               ref.stored)
    return ref
