"""Searching the whole database for a person's data: every text column of every table (every
model Django knows, ours and the libraries'), and the decoded sessions."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

from django.apps import apps
from django.contrib.sessions.models import Session
from django.db import models

from apps.core.tenancy import cross_agency

TEXT_FIELDS = (models.CharField, models.TextField, models.EmailField, models.JSONField)


def text_columns() -> list[tuple[type[models.Model], str]]:
    """(model, field name) for every text column of every concrete table."""
    return [
        (model, field.name)
        for model in apps.get_models(include_auto_created=True)
        if not model._meta.proxy and model._meta.managed
        for field in model._meta.concrete_fields
        if isinstance(field, TEXT_FIELDS)
    ]


def find_everywhere(needles: list[str]) -> list[str]:
    """Where any needle (case-insensitive) still stands: "table.column: needle" per hit."""
    hits = []
    with cross_agency("test: erasure search"):
        for model, field in text_columns():
            for needle in needles:
                found = model._base_manager.filter(**{f"{field}__icontains": needle})
                if found.exists():
                    hits.append(f"{model._meta.db_table}.{field}: {needle}")
        for session in Session.objects.all():
            decoded = json.dumps(session.get_decoded()).lower()
            hits += [f"django_session (decoded): {n}" for n in needles if n.lower() in decoded]
    return hits


def archive_text(content: bytes) -> dict[str, str]:
    """Each file of an archive, as text."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name).decode() for name in archive.namelist()}


def snapshot() -> str:
    """A digest of every row of every table: any insert, update or delete changes it."""
    digest = hashlib.sha256()
    with cross_agency("test: snapshot"):
        for model in sorted(apps.get_models(), key=lambda m: m._meta.label):
            if model._meta.proxy or not model._meta.managed:
                continue
            rows = list(model._base_manager.order_by("pk").values())
            digest.update(
                json.dumps([model._meta.label, rows], sort_keys=True, default=str).encode()
            )
    return digest.hexdigest()
