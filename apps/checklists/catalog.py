"""Loading the catalog files (apps/checklists/catalog/*.yaml) into CatalogItem rows.

Safe to run any number of times: items are matched by key, only real differences are written,
and keys that left the files are retired (never deleted: engagements still point at them).
Files that change without a version bump are refused, so every release is recorded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.db import transaction
from django.utils import timezone

from apps.checklists.models import CatalogItem, CatalogRelease, Level, Severity
from apps.projects.profile import Framework, Platform, Tier

CATALOG_DIR = Path(__file__).resolve().parent / "catalog"
KEY = re.compile(r"^[a-z]+\.[a-z0-9-]+$")
ITEM_FIELDS = {
    "key", "title", "guidance", "severity", "level", "target", "target_metric", "applies_to",
}  # fmt: skip
SYNCED_FIELDS = (
    "category", "title", "guidance", "severity", "level", "target", "target_metric",
    "tiers", "frameworks", "platforms",
)  # fmt: skip


class CatalogError(ValueError):
    """The catalog files are malformed; the message names the file and item."""


@dataclass(frozen=True)
class LoadResult:
    version: int
    items: int
    added: int
    updated: int
    retired: int
    restored: int

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.retired or self.restored)


def read_catalog(directory: Path = CATALOG_DIR) -> tuple[int, list[dict]]:
    """Parse and validate the files; returns (version, item definitions ready to store)."""
    index = yaml.safe_load((directory / "catalog.yaml").read_text())
    version = index.get("version")
    if not isinstance(version, int) or version < 1:
        raise CatalogError("catalog.yaml: version must be a positive integer")
    definitions: list[dict] = []
    seen: set[str] = set()
    for filename in index.get("files", []):
        data = yaml.safe_load((directory / filename).read_text())
        category = data.get("category")
        for raw in data.get("items", []):
            definitions.append(_validate(raw, category, f"{filename}:{raw.get('key')}"))
            if raw["key"] in seen:
                raise CatalogError(f"{filename}: duplicate key {raw['key']}")
            seen.add(raw["key"])
    return version, definitions


def _validate(raw: dict, category: str, where: str) -> dict:
    unknown = set(raw) - ITEM_FIELDS
    if unknown:
        raise CatalogError(f"{where}: unknown fields {sorted(unknown)}")
    for name in ("key", "title", "guidance", "severity", "level"):
        if not raw.get(name):
            raise CatalogError(f"{where}: {name} is required")
    if not KEY.match(raw["key"]) or not raw["key"].startswith(category + "."):
        raise CatalogError(f"{where}: key must look like '{category}.some-name'")
    if raw["severity"] not in Severity.values or raw["level"] not in Level.values:
        raise CatalogError(f"{where}: unknown severity or level")
    if bool(raw.get("target")) != bool(raw.get("target_metric")):
        raise CatalogError(f"{where}: target and target_metric go together")
    applies = raw.get("applies_to") or {}
    allowed = {"tiers": Tier.values, "frameworks": Framework.values, "platforms": Platform.values}
    for name, values in applies.items():
        if name not in allowed or not set(values) <= set(allowed[name]):
            raise CatalogError(f"{where}: bad applies_to.{name}: {values}")
    return {
        "key": raw["key"],
        "category": category,
        "title": raw["title"].strip(),
        "guidance": " ".join(raw["guidance"].split()),
        "severity": raw["severity"],
        "level": raw["level"],
        "target": raw.get("target") or "",
        "target_metric": raw.get("target_metric"),
        "tiers": list(applies.get("tiers", [])),
        "frameworks": list(applies.get("frameworks", [])),
        "platforms": list(applies.get("platforms", [])),
    }


@transaction.atomic
def load_catalog(directory: Path = CATALOG_DIR) -> LoadResult:
    version, definitions = read_catalog(directory)
    existing = {
        item.key: item
        for item in CatalogItem.objects.select_for_update().filter(agency__isnull=True)
    }
    now = timezone.now()
    to_create, to_update = [], []
    restored = 0
    for definition in definitions:
        item = existing.get(definition["key"])
        if item is None:
            to_create.append(CatalogItem(**definition, catalog_version=version))
            continue
        changed = [f for f in SYNCED_FIELDS if getattr(item, f) != definition[f]]
        if item.retired_at is not None:
            item.retired_at = None
            restored += 1
            changed.append("retired_at")
        if changed:
            for f in SYNCED_FIELDS:
                setattr(item, f, definition[f])
            item.catalog_version = version
            item.updated_at = now
            to_update.append(item)
    keys = {d["key"] for d in definitions}
    to_retire = [i for k, i in existing.items() if k not in keys and i.retired_at is None]
    for item in to_retire:
        item.retired_at = item.updated_at = now

    release = CatalogRelease.objects.filter(version=version).first()
    any_change = bool(to_create or to_update or to_retire)
    if release is not None and any_change and existing:
        raise CatalogError(
            f"The catalog files changed but their version is still {version}: bump `version` "
            "in catalog.yaml so the change is recorded as a release."
        )
    CatalogItem.objects.bulk_create(to_create)
    CatalogItem.objects.bulk_update(
        to_update, [*SYNCED_FIELDS, "catalog_version", "retired_at", "updated_at"]
    )
    CatalogItem.objects.bulk_update(to_retire, ["retired_at", "updated_at"])
    if release is None:
        CatalogRelease.objects.create(
            version=version,
            item_count=len(definitions),
            added=len(to_create),
            updated=len(to_update),
            retired=len(to_retire),
        )
    return LoadResult(
        version=version,
        items=len(definitions),
        added=len(to_create),
        updated=len(to_update) - restored,
        retired=len(to_retire),
        restored=restored,
    )
