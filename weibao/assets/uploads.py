"""Checks on uploaded files: size limit, real type sniffed against the extension, nothing executable."""

import hashlib
import re
from dataclasses import dataclass
from pathlib import PurePath

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

# Extensions we accept, with the content type we serve them as. Text-like formats have no magic number; they are
# accepted when the sniffer finds nothing binary-executable, and are always served as downloads (never inline).
ALLOWED_EXTENSIONS: dict[str, str] = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".bmp": "image/bmp",
    ".dwg": "application/acad",
    ".dxf": "application/dxf",
    ".vsd": "application/vnd.visio",
    ".vsdx": "application/vnd.ms-visio.drawing",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".ppt": "application/vnd.ms-powerpoint",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".txt": "text/plain",
    ".csv": "text/csv",
    ".cfg": "text/plain",
    ".conf": "text/plain",
    ".log": "text/plain",
    ".zip": "application/zip",
    ".7z": "application/x-7z-compressed",
    ".rar": "application/vnd.rar",
    ".gz": "application/gzip",
    ".iso": "application/x-iso9660-image",
    # Evidence customers send from phones (issue 17): iPhone photos and videos, Android videos, forwarded mails.
    ".heic": "image/heic",
    ".heif": "image/heif",
    ".mp4": "video/mp4",
    ".mov": "video/quicktime",
    ".eml": "message/rfc822",
}
# The sniffed extension may differ from the name for container formats (docx/xlsx/vsdx are zip files, old Office
# files are OLE "cfb" containers).
COMPATIBLE_SNIFFS: dict[str, set[str]] = {
    ".docx": {"docx", "zip"},
    ".xlsx": {"xlsx", "zip"},
    ".pptx": {"pptx", "zip"},
    ".vsdx": {"zip"},
    ".doc": {"doc", "cfb"},
    ".xls": {"xls", "cfb"},
    ".ppt": {"ppt", "cfb"},
    ".vsd": {"cfb"},
    ".jpeg": {"jpg"},
    ".tiff": {"tif"},
    ".dwg": {"dwg"},
}
# Sniffed kinds we never store, whatever the extension says.
FORBIDDEN_SNIFFS = {"exe", "elf", "dll", "macho", "sh", "swf", "dex", "deb", "rpm", "cab", "msi", "crx"}
TEXT_EXTENSIONS = {".txt", ".csv", ".cfg", ".conf", ".log", ".dxf"}

# ISO base media files (ISO/IEC 14496-12) start with a `ftyp` box: size, "ftyp", major brand, minor version, then
# compatible brands. The brands tell HEIF images from MP4 and QuickTime videos; a file whose brands belong to
# another family than its extension is refused, like any other mismatch.
ISOBMFF_BRANDS: dict[str, set[bytes]] = {
    ".heic": {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"},
    ".mp4": {
        b"isom",
        b"iso2",
        b"iso3",
        b"iso4",
        b"iso5",
        b"iso6",
        b"mp41",
        b"mp42",
        b"avc1",
        b"dash",
        b"mmp4",
        b"M4V ",
        b"MSNV",
        b"3gp4",
        b"3gp5",
        b"3gp6",
        b"3g2a",
        b"f4v ",
    },
    ".mov": {b"qt  "},
}
ISOBMFF_BRANDS[".heif"] = ISOBMFF_BRANDS[".heic"]
# Old QuickTime files have no `ftyp` box and start straight with one of these atoms.
QUICKTIME_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}
# An e-mail (RFC 5322) starts with a header field: a name of printable ASCII without ":" or space, then ":".
MAIL_HEADER_RE = re.compile(rb"^[!-9;-~]+:")


def isobmff_brands(head: bytes) -> set[bytes] | None:
    """The major and compatible brands of an ISO base media file, None when `head` does not start with `ftyp`."""
    if len(head) < 16 or head[4:8] != b"ftyp":
        return None
    size = int.from_bytes(head[:4], "big")
    end = min(size if size >= 16 else 16, len(head))
    return {head[8:12]} | {head[i : i + 4] for i in range(16, end - 3, 4)}


def _media_matches(ext: str, head: bytes) -> bool:
    brands = isobmff_brands(head)
    if brands is None:
        return ext == ".mov" and head[4:8] in QUICKTIME_ATOMS
    if ext == ".mp4":  # a QuickTime brand, or a HEIF image, is not an MP4 whatever else it lists
        return bool(brands & ISOBMFF_BRANDS[".mp4"]) and not brands & (ISOBMFF_BRANDS[".mov"] | ISOBMFF_BRANDS[".heic"])
    return bool(brands & ISOBMFF_BRANDS[ext])


def _mail_matches(head: bytes) -> bool:
    return b"\x00" not in head and bool(MAIL_HEADER_RE.match(head.lstrip(b"\r\n")))


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    extension: str
    content_type: str
    size: int
    sha256: str


def max_upload_bytes() -> int:
    return settings.WEIBAO_MAX_UPLOAD_MB * 1024 * 1024


def check_upload(upload: UploadedFile, *, allowed: dict[str, str] | None = None) -> CheckedUpload:
    """Validate an uploaded file or raise ValidationError with a message for the user."""
    allowed = allowed or ALLOWED_EXTENSIONS
    name = PurePath(upload.name or "").name[:255]
    ext = PurePath(name).suffix.lower()
    if upload.size is not None and upload.size > max_upload_bytes():
        raise ValidationError(
            _("The file is too large (limit %(mb)s MB).") % {"mb": settings.WEIBAO_MAX_UPLOAD_MB}, code="too_large"
        )
    if not upload.size:
        raise ValidationError(_("The file is empty."), code="empty")
    if ext not in allowed:
        raise ValidationError(
            _("Files of type “%(ext)s” are not accepted.") % {"ext": ext or "?"}, code="bad_extension"
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    sniffed = kind.extension if kind else None
    if sniffed in FORBIDDEN_SNIFFS or head[:2] == b"MZ" or head[:4] == b"\x7fELF":
        raise ValidationError(_("Executable files are not accepted."), code="executable")
    if ext in ISOBMFF_BRANDS:
        if not _media_matches(ext, head):
            raise ValidationError(_("The file content does not match its extension."), code="mismatch")
    elif ext == ".eml":
        if not _mail_matches(head):
            raise ValidationError(_("The file content does not match its extension."), code="mismatch")
    elif ext in TEXT_EXTENSIONS:
        if sniffed is not None or b"\x00" in head:
            raise ValidationError(_("The file content does not match its extension."), code="mismatch")
        lowered = head[:1024].lower()
        if b"<html" in lowered or b"<script" in lowered or b"<!doctype" in lowered:
            raise ValidationError(_("HTML files are not accepted."), code="html")
    else:
        expected = COMPATIBLE_SNIFFS.get(ext, {ext.lstrip(".")})
        # A few formats (dwg, iso, dxf) have no signature in the sniffer; accept them only if nothing else is found.
        if sniffed is None:
            if ext not in {".dwg", ".iso", ".vsd"}:
                raise ValidationError(_("The file content does not match its extension."), code="mismatch")
        elif sniffed not in expected:
            raise ValidationError(_("The file content does not match its extension."), code="mismatch")
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedUpload(
        name=name, extension=ext, content_type=allowed[ext], size=upload.size, sha256=digest.hexdigest()
    )
