"""Reading a .docx/.xlsx within limits, so that a small file cannot take the machine's memory.

A zip part may unpack to a thousand times its compressed size: a 0.5 MB .docx whose
document.xml is 300 MB of empty paragraphs took 6.8 GB to read. So the readers open a package
as a BoundedPackage, which checks every part before it is parsed:

* the size the zip declares for each part (ZipInfo.file_size), when the package is opened;
* the bytes the part really unpacks to, counted while decompressing (never trusting the header);
* the XML elements it holds, counted by a streaming parser that builds no tree.

Past DONDOC_IMPORT_MAX_PART_MB or DONDOC_IMPORT_MAX_PART_ELEMENTS the file is refused with one
line naming the file and the part. The check costs a second decompression of the parts read
(about 0.15 s for the 9.7 MB sheet of a 20,000-row workbook) and no memory.

The limits bound what a reader is asked to do; ``read_with_memory_ceiling`` bounds what it may
cost: the web import reads an upload in a separate process whose address space is capped
(RLIMIT_AS, DONDOC_IMPORT_MEMORY_MB), so the server never grows with an upload, whatever the
file (a .pdf, a scan or a .doc included).
"""

from __future__ import annotations

import os
import pickle
import resource
import subprocess
import sys
import traceback
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from lxml import etree

from config.settings import get_settings
from tasks.importing.readers.base import PlanDocument, PlanFileError

_CHUNK = 1 << 16  # at most ~16,000 elements (``<a/>``) per chunk: the count is checked after each
_MB = 1024 * 1024
_XML_STARTS = (b"<", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")  # '<', or a byte order mark before it


@dataclass(frozen=True)
class PartLimits:
    max_bytes: int
    max_elements: int

    @classmethod
    def from_settings(cls) -> PartLimits:
        settings = get_settings()
        return cls(settings.import_max_part_mb * _MB, settings.import_max_part_elements)


class _ElementCounter:
    """A parser target: counts start tags and keeps nothing (no tree, no text)."""

    def __init__(self) -> None:
        self.count = 0

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        self.count += 1

    def close(self) -> int:
        return self.count


class BoundedPackage:
    """A zip package (.docx, .xlsx) whose parts are read only once they are known to fit the limits.

    ``read``/``open`` raise KeyError for a missing part, as zipfile does, and PlanFileError for a
    part past the limits."""

    def __init__(self, archive: zipfile.ZipFile, filename: str, limits: PartLimits | None = None) -> None:
        self.archive, self.filename = archive, filename
        self.limits = limits or PartLimits.from_settings()
        self._checked: set[str] = set()
        for info in archive.infolist():  # the header's word first: a part declaring 300 MB is refused unread
            if info.file_size > self.limits.max_bytes:
                raise self._too_large(info.filename, f"declares {info.file_size / _MB:.0f} MB unpacked")

    def namelist(self) -> list[str]:
        return self.archive.namelist()

    def read(self, name: str) -> bytes:
        self.check(name)
        return self.archive.read(name)

    def open(self, name: str) -> IO[bytes]:
        self.check(name)
        return self.archive.open(name)

    def check(self, name: str) -> None:
        """Unpack the part once, counting its bytes and (for XML) its elements; refuse it past the limits."""
        if name in self._checked:
            return
        size = 0
        counter: _ElementCounter | None = None
        parser: etree.XMLParser | None = None
        with self.archive.open(name) as stream:
            while chunk := stream.read(_CHUNK):
                if size == 0 and chunk.lstrip(b" \t\r\n").startswith(_XML_STARTS):
                    counter = _ElementCounter()
                    parser = etree.XMLParser(target=counter, resolve_entities=False, no_network=True)
                size += len(chunk)
                if size > self.limits.max_bytes:
                    raise self._too_large(name, f"unpacks to more than {self.limits.max_bytes / _MB:.0f} MB")
                if parser is not None and counter is not None:
                    try:
                        parser.feed(chunk)
                    except etree.XMLSyntaxError:
                        parser = None  # damaged XML: the reader says so when it parses the part
                    if counter.count > self.limits.max_elements:
                        raise self._too_many(name)
        self._checked.add(name)

    def _too_large(self, part: str, what: str) -> PlanFileError:
        return PlanFileError(
            f"cannot read '{self.filename}': its part {part} {what}, past the {self.limits.max_bytes / _MB:.0f} MB "
            "a part of a plan may unpack to (DONDOC_IMPORT_MAX_PART_MB): a damaged or malicious file"
        )

    def _too_many(self, part: str) -> PlanFileError:
        return PlanFileError(
            f"cannot read '{self.filename}': its part {part} holds more than {self.limits.max_elements} XML elements, "
            "the most a part of a plan may hold (DONDOC_IMPORT_MAX_PART_ELEMENTS): a damaged or malicious file"
        )


def reraise_out_of_memory(exc: Exception) -> None:
    """Let a reader's catch-all for damaged files pass running out of memory on as MemoryError:
    libxml2 reports a failed allocation as a syntax error (ERR_NO_MEMORY), which would otherwise
    read as "not a valid .docx" under the web import's memory ceiling."""
    if isinstance(exc, MemoryError):
        raise exc
    if isinstance(exc, etree.XMLSyntaxError) and exc.code == etree.ErrorTypes.ERR_NO_MEMORY:
        raise MemoryError(str(exc)) from exc


# -- reading in a process of its own -------------------------------------------------------------


def read_with_memory_ceiling(path: Path | str, *, memory_mb: int) -> PlanDocument:
    """``read_document(path)`` in a fresh Python process whose address space is capped at ``memory_mb``.

    A file that needs more is a PlanFileError (one line); the calling process only receives the
    document, pickled. A new interpreter (not multiprocessing's fork, which would copy a web
    server's threads and memory, nor its spawn, which re-runs the server's main script): the
    request goes in on stdin, the answer comes back on stdout."""
    path = Path(path)
    request = pickle.dumps((sys.path, str(path), memory_mb * _MB))
    done = subprocess.run([sys.executable, "-c", _BOOT], input=request, stdout=subprocess.PIPE, check=False)
    try:
        kind, payload = pickle.loads(done.stdout)
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError):  # killed, or crashed in C code
        kind, payload = "died", ""
    if kind == "ok":
        assert isinstance(payload, PlanDocument)
        return payload
    if kind == "refused":
        raise PlanFileError(str(payload))
    if kind == "memory":
        raise PlanFileError(
            f"cannot read '{path.name}': reading it needs more than {memory_mb} MB of memory (DONDOC_IMPORT_MEMORY_MB)"
        )
    if kind == "died":
        raise PlanFileError(f"cannot read '{path.name}': the reader stopped (exit code {done.returncode})")
    raise RuntimeError(f"reading '{path.name}' failed in its process:\n{payload}")  # a reader's bug, not the file's


_BOOT = (
    "import pickle, sys; request = pickle.load(sys.stdin.buffer); sys.path[:0] = request[0]; "
    "from tasks.importing.readers.limits import _read_capped; _read_capped(request[1], request[2])"
)


def _read_capped(path: str, limit: int) -> None:
    """The child's side: cap the address space, read, write the pickled answer to stdout."""
    answer = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a stray print() from a library must not corrupt the answer
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    result: tuple[str, object]
    try:
        from tasks.importing.readers import read_document

        result = ("ok", read_document(path))
    except PlanFileError as exc:
        result = ("refused", str(exc))
    except MemoryError:
        result = ("memory", "")
    except Exception:
        result = ("failed", traceback.format_exc())
    try:
        data = pickle.dumps(result)
    except MemoryError:  # pickling a large document can be the last straw
        data = pickle.dumps(("memory", ""))
    with answer:
        answer.write(data)


__all__ = ["BoundedPackage", "PartLimits", "read_with_memory_ceiling", "reraise_out_of_memory"]
