"""Older and other word-processor formats (.doc, .odt, .rtf): converted to .docx by LibreOffice.

    soffice -env:UserInstallation=file:///tmp/dondoc-lo-XXXX --headless --convert-to docx --outdir TMP FILE

Each conversion gets its own LibreOffice profile in a temporary directory: two imports running
at once (the web application and a command, two tests) would otherwise share the user's profile
and the second soffice would hand its work to the first and exit without converting anything.
The .docx it writes is read by tasks.importing.readers.docx, tables and merged cells included.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from tasks.importing.readers.base import PlanDocument, PlanFileError, one_line

TIMEOUT = 120  # seconds; LibreOffice converts a plan in one or two, a stuck one must not hang an import
_NAMES = {".doc": "Word 97-2003 .doc", ".odt": "OpenDocument .odt", ".rtf": "RTF"}


_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word 97-2003's compound file
_ZIP = b"PK\x03\x04"
_RTF = b"{\\rtf"


def _looks_like(path: Path, suffix: str) -> bool:
    """Does the file start as a file of its kind? LibreOffice opens anything, random bytes as a
    text document, so a damaged file would convert "fine" into nonsense. Files saved under another
    word processor's extension, as offices do (an RTF or a Word HTML page named .doc, a .docx
    renamed), are accepted: LibreOffice reads them by their content."""
    with path.open("rb") as stream:
        head = stream.read(512)
    if suffix == ".odt":
        return head.startswith(_ZIP)
    if suffix == ".rtf":
        return head.lstrip().startswith(_RTF)
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith((_OLE2, _ZIP)) or text.startswith((_RTF, b"<"))


def read_converted(path: Path) -> PlanDocument:
    from tasks.importing.readers.docx import read_docx

    kind = _NAMES.get(path.suffix.lower(), path.suffix)
    if not _looks_like(path, path.suffix.lower()):
        raise PlanFileError(f"cannot read '{path.name}': not a valid {kind} file")
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise PlanFileError(
            f"cannot read '{path.name}': a {kind} file is converted by LibreOffice, which is not installed "
            "(Debian: apt-get install libreoffice-writer-nogui, or `make office`); or save it as .docx"
        )
    with tempfile.TemporaryDirectory(prefix="dondoc-convert-") as tmp:
        work = Path(tmp)
        # a plain name: soffice names its output after the input, and some names confuse it
        source = work / f"plan{path.suffix.lower()}"
        shutil.copyfile(path, source)
        command = [
            soffice, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless", "--norestore",
            "--convert-to", "docx", "--outdir", str(work / "out"), str(source),
        ]  # fmt: skip
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)
        except subprocess.TimeoutExpired as exc:
            raise PlanFileError(
                f"cannot read '{path.name}': LibreOffice took more than {TIMEOUT} s to convert it"
            ) from exc
        converted = work / "out" / "plan.docx"
        if done.returncode != 0 or not converted.is_file():
            detail = one_line(RuntimeError(done.stderr.strip() or done.stdout.strip() or "no output"))
            raise PlanFileError(
                f"cannot read '{path.name}': LibreOffice could not convert it to .docx "
                f"(not a valid {kind} file? {detail[:160]})"
            )
        document = read_docx(converted)
    document.source = path.suffix.lower().lstrip(".")
    return document


__all__ = ["read_converted"]
