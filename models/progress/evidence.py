"""Evidence files: checked (type by name and content, size), stored under a random name.

Files live in ``DONDOC_DATA_DIR/evidence/`` as 32 random hex characters without extension; the
uploader's file name is kept in the row and only offered back on download.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from sqlmodel import Session

from models.core.audit import record
from models.core.tables import Assignment
from models.core.web_tables import Evidence

# extension -> (content type, accepted leading bytes)
ALLOWED: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
}
ALLOWED_LABEL = "PDF, DOCX, XLSX, JPG, PNG"
_CHUNK = 1024 * 1024


class EvidenceError(ValueError):
    """The file is refused (message in Vietnamese, shown in the page)."""


def save_upload(stream: BinaryIO, path: Path, *, max_bytes: int, error: type[Exception], empty_message: str,
                check_head: Callable[[bytes], None] | None = None) -> tuple[str, int]:
    """Copy an upload to a new file at ``path`` (never over an existing one), hashing it and
    counting its size as it goes; returns (SHA-256 hex, size). Too large, empty, or refused by
    ``check_head`` (given its first 16 bytes) raises ``error`` and leaves nothing on disk."""
    digest, size, head = hashlib.sha256(), 0, b""
    try:
        with path.open("xb") as out:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise error(too_large_message(max_bytes))
                if len(head) < 16:
                    head = (head + chunk)[:16]
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise error(empty_message)
        if check_head is not None:
            check_head(head)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return digest.hexdigest(), size


def too_large_message(max_bytes: int) -> str:
    return f"Tệp quá lớn: dung lượng tối đa là {max_bytes // (1024 * 1024)} MB."


def clean_filename(name: str) -> str:
    """The base name without path, control characters or quotes, at most 200 characters."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r'[\x00-\x1f\x7f"<>|:*?]', "", name).strip(" .")
    return name[-200:] or "tep"


def evidence_dir(data_dir: Path) -> Path:
    return data_dir / "evidence"


def store_evidence(session: Session, *, assignment: Assignment, filename: str, stream: BinaryIO, data_dir: Path,
                   max_bytes: int, actor: str, source: str) -> Evidence:
    """Validate and write the file, then the row and its audit event (same transaction)."""
    name = clean_filename(filename)
    if not filename:
        raise EvidenceError("Vui lòng chọn một tệp để tải lên.")
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ALLOWED:
        raise EvidenceError(f"Không chấp nhận tệp “.{ext or '?'}”: chỉ nhận {ALLOWED_LABEL}.")
    content_type, magics = ALLOWED[ext]
    folder = evidence_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    stored = secrets.token_hex(16)

    def check_head(head: bytes) -> None:
        if not any(head.startswith(m) for m in magics):
            raise EvidenceError(f"Nội dung tệp không đúng định dạng .{ext}.")

    sha256, size = save_upload(stream, folder / stored, max_bytes=max_bytes, error=EvidenceError,
                               empty_message="Tệp rỗng, vui lòng chọn lại.", check_head=check_head)
    row = Evidence(assignment_id=assignment.id, filename=name, content_type=content_type, size=size,  # type: ignore[arg-type]
                   sha256=sha256, uploaded_by=actor, stored_name=stored)
    session.add(row)
    session.flush()
    record(session, actor=actor, source=source, entity="evidence", entity_id=row.id, action="uploaded",
           changes={"assignment_id": [None, assignment.id], "filename": [None, name], "size": [None, size],
                    "sha256": [None, row.sha256]})
    return row


def evidence_path(data_dir: Path, row: Evidence) -> Path:
    if not re.fullmatch(r"[0-9a-f]{32}", row.stored_name):
        raise EvidenceError("tên lưu trữ không hợp lệ")
    return evidence_dir(data_dir) / row.stored_name
