"""Checks for the booking page's brand: a logo upload that is really a small image (decoded,
bounded, re-encoded so that nothing of the upload but its pixels is served), and an accent
colour that white text stays readable on."""

from __future__ import annotations

import hashlib
import io
import re
import warnings

from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError

from apps.agencies import limits

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def _linear(channel: int) -> float:
    value = channel / 255
    return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4  # noqa: PLR2004 - WCAG's constants


def contrast_with_white(color: str) -> float:
    """WCAG 2 contrast ratio of white on `color` ("#RRGGBB")."""
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * _linear(r) + 0.7152 * _linear(g) + 0.0722 * _linear(b)
    return 1.05 / (luminance + 0.05)


def clean_accent(color: str) -> str:
    color = color.strip()
    if not color:
        return ""
    if not _HEX.match(color):
        raise ValidationError("Give the colour as # and six hexadecimal digits, e.g. #1d4ed8.")
    ratio = contrast_with_white(color)
    if ratio < limits.ACCENT_MIN_CONTRAST:
        raise ValidationError(
            f"White text on {color} has a contrast of {ratio:.1f}:1; buttons need at least "
            f"{limits.ACCENT_MIN_CONTRAST}:1 to be readable. Choose a darker shade."
        )
    return color.lower()


def clean_logo(data: bytes) -> tuple[bytes, int, int]:
    """The upload as it will be kept: PNG bytes, width, height. ValidationError otherwise."""
    if len(data) > limits.LOGO_MAX_BYTES:
        raise ValidationError(f"The logo must be at most {limits.LOGO_MAX_BYTES // 1024} KB.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in limits.LOGO_FORMATS:
                raise ValidationError("Upload the logo as a PNG, JPEG or WebP image.")
            width, height = image.size
            if max(width, height) > limits.LOGO_MAX_PIXELS:
                raise ValidationError(
                    f"The logo is {width} by {height} pixels; at most {limits.LOGO_MAX_PIXELS} "
                    "on either side."
                )
            if min(width, height) < limits.LOGO_MIN_PIXELS:
                raise ValidationError(
                    f"The logo is {width} by {height} pixels; at least {limits.LOGO_MIN_PIXELS} "
                    "on each side, so that it stays sharp."
                )
            image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombWarning,
            Image.DecompressionBombError, SyntaxError, ValueError):  # fmt: skip
        raise ValidationError("That file is not an image we can read.") from None
    kept: Image.Image = image.convert("RGBA")
    if kept.height > limits.LOGO_KEPT_HEIGHT:
        ratio = limits.LOGO_KEPT_HEIGHT / kept.height
        kept = kept.resize(
            (max(1, round(kept.width * ratio)), limits.LOGO_KEPT_HEIGHT), Image.Resampling.LANCZOS
        )
    out = io.BytesIO()
    kept.save(out, format="PNG", optimize=True)  # no metadata comes along
    return out.getvalue(), kept.width, kept.height


def version_of(logo: bytes | memoryview | None, accent: str) -> str:
    digest = hashlib.sha256(bytes(logo or b"") + accent.encode())
    return digest.hexdigest()[:16]
