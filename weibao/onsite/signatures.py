"""Handwritten signatures: a PNG drawn on the phone's signature pad, checked on the server as well as in the browser.

A blank pad or a single tap ("one dot") is not a signature: the PNG must hold enough ink spread over enough
width or height. Shared by the UI forms and the API schemas, so both refuse the same things.
"""

from __future__ import annotations

import base64
import binascii
import io
import uuid

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

DATA_URL_PREFIX = "data:image/png;base64,"
MAX_BYTES = 1024 * 1024  # a signature at phone resolution is ~20–80 kB
MAX_SIDE = 4000
MIN_SPAN_PX = 30  # the ink's bounding box must be at least this wide or tall
MIN_INK_PX = 80  # and cover at least this many pixels (a tap of a 2.5 px pen is ~20)


def signature_from_data_url(value: str, *, name: str = "signature") -> ContentFile:
    """The PNG behind a `data:image/png;base64,…` value as a file to store; ValidationError when it is no signature."""
    value = (value or "").strip()
    if not value:
        raise ValidationError(_("Please sign in the box."), code="signature_missing")
    if value.startswith(DATA_URL_PREFIX):
        value = value[len(DATA_URL_PREFIX) :]
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError(_("The signature could not be read."), code="signature_invalid") from None
    check_signature_png(data)
    return ContentFile(data, name=f"{name}-{uuid.uuid4().hex[:12]}.png")


def check_signature_png(data: bytes) -> None:
    """Refuse anything that is not a PNG with a real signature on it."""
    if len(data) > MAX_BYTES:
        raise ValidationError(_("The signature image is too large."), code="signature_too_large")
    try:
        image = Image.open(io.BytesIO(data))
        if image.format != "PNG":
            raise ValidationError(_("The signature could not be read."), code="signature_invalid")
        if max(image.size) > MAX_SIDE:
            raise ValidationError(_("The signature image is too large."), code="signature_too_large")
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise ValidationError(_("The signature could not be read."), code="signature_invalid") from None
    if not _has_enough_ink(image):
        raise ValidationError(
            _("The signature is empty or only a dot. Please sign with your name."), code="signature_blank"
        )


def _has_enough_ink(image: Image.Image) -> bool:
    # Ink is whatever is opaque (the pad's background is transparent) and darker than paper (a white-filled pad).
    rgba = image.convert("RGBA")
    alpha = rgba.getchannel("A")
    dark = rgba.convert("L").point(lambda v: 255 if v < 200 else 0)
    ink = Image.composite(dark, Image.new("L", rgba.size, 0), alpha.point(lambda v: 255 if v > 64 else 0))
    box = ink.getbbox()
    if box is None:
        return False
    span = max(box[2] - box[0], box[3] - box[1])
    ink_pixels = ink.histogram()[255]
    return span >= MIN_SPAN_PX and ink_pixels >= MIN_INK_PX
