"""Serving stored files (attachments, documents, raw mails): a row whose file is gone from MEDIA_ROOT (a restore
without the files, a disk mishap) answers a clear "file missing" page with 410, never a 500."""

import logging

from django.db.models.fields.files import FieldFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

logger = logging.getLogger(__name__)


class StoredFileMissing(Exception):
    """The database row exists but its file is not in storage."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


def open_stored_file(field: FieldFile):
    """The file opened for reading; StoredFileMissing when the row names no file or storage no longer has it."""
    if not field.name:
        raise StoredFileMissing("")
    try:
        return field.open("rb")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        logger.warning("stored file missing: %s", field.name)
        raise StoredFileMissing(field.name) from None


def file_missing_response(request: HttpRequest, *, filename: str) -> HttpResponse:
    """The page shown instead of the download (410 Gone: the record is there, its file is not)."""
    response = render(request, "core/file_missing.html", {"filename": filename}, status=410)
    response["Cache-Control"] = "private, no-store"
    return response
