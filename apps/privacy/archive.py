"""One zip archive of JSON files: what a data export hands over."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Mapping
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder


def build_archive(files: Mapping[str, Any]) -> bytes:
    """Each value as an indented JSON file under its name. Text is kept as written (UTF-8,
    not \\u escapes), so what a person reads, and what a search finds, is the real text."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            text = json.dumps(content, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
            archive.writestr(name, text)
    return buffer.getvalue()
