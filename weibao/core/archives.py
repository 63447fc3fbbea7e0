"""Zip files from outside (an uploaded .xlsx; any Office Open XML file the product opens) are checked here before a
parser sees them: a few hundred kilobytes can unpack to gigabytes (a "zip bomb").

The sizes come from the central directory, which the sender controls — but Python's zipfile never returns more
than an entry's declared size (a stream that inflates further fails its CRC check), so a declared size is a bound
on what a parser reading through zipfile can get. Today the only archives the product opens are equipment-list
spreadsheets (assets.excel); stored attachments (.docx, .zip …) are never unpacked, and mail intake does not unpack
TNEF (winmail.dat) — whatever starts to must call `check_zip` first.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

MB = 1024 * 1024
# Small entries compress well without being dangerous (a sheet of one repeated value): the ratio counts above this.
RATIO_FLOOR_BYTES = 1 * MB
MAX_ENTRIES = 10_000


class UnsafeArchive(ValueError):
    """The archive is not a zip, is damaged, or unpacks to more than the limits allow; `message` is for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ZipLimits:
    max_entry_bytes: int
    max_total_bytes: int
    max_ratio: int
    max_entries: int = MAX_ENTRIES

    @classmethod
    def from_settings(cls) -> ZipLimits:
        return cls(
            max_entry_bytes=settings.WEIBAO_ZIP_MAX_ENTRY_MB * MB,
            max_total_bytes=settings.WEIBAO_ZIP_MAX_TOTAL_MB * MB,
            max_ratio=settings.WEIBAO_ZIP_MAX_RATIO,
        )


def check_zip(data: bytes, *, limits: ZipLimits | None = None) -> list[zipfile.ZipInfo]:
    """Check every entry's unpacked size and compression ratio (reads only the directory: milliseconds, whatever the
    archive claims); return the entries, or raise UnsafeArchive naming the first problem."""
    limits = limits or ZipLimits.from_settings()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise UnsafeArchive(_("The file is damaged or not a zip-based document.")) from exc
    if len(entries) > limits.max_entries:
        raise UnsafeArchive(
            _("The file contains %(n)s parts; at most %(max)s are accepted.")
            % {"n": len(entries), "max": limits.max_entries}
        )
    total = 0
    for entry in entries:
        size = entry.file_size
        if size > limits.max_entry_bytes:
            raise UnsafeArchive(
                _("The file unpacks to more than %(mb)s MB (part “%(name)s”): refused.")
                % {"mb": limits.max_entry_bytes // MB, "name": entry.filename[:80]}
            )
        if size > RATIO_FLOOR_BYTES and size > limits.max_ratio * max(entry.compress_size, 1):
            raise UnsafeArchive(
                _("Part “%(name)s” of the file is compressed more than %(ratio)s to 1, as zip bombs are: refused.")
                % {"name": entry.filename[:80], "ratio": limits.max_ratio}
            )
        total += size
        if total > limits.max_total_bytes:
            raise UnsafeArchive(
                _("The file unpacks to more than %(mb)s MB in all: refused.") % {"mb": limits.max_total_bytes // MB}
            )
    return entries
