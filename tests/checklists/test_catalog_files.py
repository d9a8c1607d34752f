"""Validate the checklist catalog YAML files (apps/checklists/catalog).

Pure Python + PyYAML: no Django models, no database. The loader is written against the format
checked here, so every rule below is a contract, not a style preference.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
import yaml

from apps.scans.engine import CHECKLIST_KEYS

CATALOG_DIR = Path(__file__).resolve().parents[2] / "apps" / "checklists" / "catalog"
INDEX_NAME = "catalog.yaml"

CATEGORIES = {
    "architecture",
    "database",
    "caching",
    "performance",
    "security",
    "compliance",
    "testing",
    "deployment",
    "observability",
    "maintenance",
    "documentation",
}
CATEGORY_FIELDS = {"category", "title", "description", "items"}
REQUIRED_ITEM_FIELDS = {"key", "title", "guidance", "severity", "level"}
OPTIONAL_ITEM_FIELDS = {"target", "target_metric", "applies_to"}
TARGET_METRIC_FIELDS = {"metric", "op", "value", "unit"}
SEVERITIES = {"critical", "high", "medium", "low"}
LEVELS = {"bronze", "silver", "gold"}
OPS = {"<", "<=", ">", ">="}
APPLIES_TO = {
    "tiers": {"small", "growth", "scale"},
    "frameworks": {"gdpr", "ccpa", "soc2", "hipaa", "pci"},
    "platforms": {"lovable", "replit", "v0", "bolt", "cursor", "other"},
}

KEY_RE = re.compile(r"^[a-z]+\.[a-z0-9-]+$")
CATEGORY_RE = re.compile(r"^[a-z]+(-[a-z]+)*$")
METRIC_RE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
SENTENCE_END_RE = re.compile(r"[.!?][\"')]?(?:\s+|$)")

MIN_ITEMS = 120
MIN_ITEMS_PER_FRAMEWORK = 8
MAX_TITLE_LENGTH = 90


# Numeric targets from the guide and the standards it names: key -> (op, value in base unit).
UNIT_FACTORS = {"ms": 1, "s": 1000, "h": 1, "days": 1, "percent": 1, "score": 1}
EXPECTED_TARGETS = {
    "performance.page-load": ("<", 2000),
    "performance.mobile-page-load": ("<", 3000),
    "performance.ttfb": ("<", 200),
    "performance.api-p95-latency": ("<", 100),
    "performance.db-query-p95": ("<", 10),
    "performance.largest-contentful-paint": ("<=", 2500),
    "performance.interaction-to-next-paint": ("<=", 200),
    "performance.cumulative-layout-shift": ("<=", 0.1),
    "compliance.gdpr-breach-notification": ("<=", 72),
    "compliance.hipaa-breach-notification": ("<=", 60),
    "compliance.ccpa-response-deadlines": ("<=", 45),
}


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate mapping keys (PyYAML silently keeps the last one)."""


def _construct_unique_mapping(loader, node, *, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping
)


def _load(path: Path):
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)  # noqa: S506


@cache
def _index() -> dict:
    return _load(CATALOG_DIR / INDEX_NAME)


@cache
def _category_files() -> dict[str, dict]:
    return {name: _load(CATALOG_DIR / name) for name in _index()["files"]}


def _items() -> list[tuple[str, dict]]:
    return [(doc["category"], item) for doc in _category_files().values() for item in doc["items"]]


def _items_by_key() -> dict[str, dict]:
    return {item["key"]: item for _, item in _items()}


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _sentence_count(text: str) -> int:
    return len(SENTENCE_END_RE.findall(text.strip()))


# --- Index -----------------------------------------------------------------------------------


def test_index_has_exactly_version_and_files():
    index = _index()
    assert isinstance(index, dict)
    assert set(index) == {"version", "files"}
    assert isinstance(index["version"], int)
    assert not isinstance(index["version"], bool)
    assert index["version"] >= 1


def test_index_lists_every_category_file_once():
    files = _index()["files"]
    assert isinstance(files, list)
    assert len(files) == len(set(files)), "a file is listed twice"
    on_disk = {p.name for p in CATALOG_DIR.glob("*.yaml")} - {INDEX_NAME}
    assert set(files) == on_disk, "index and the category files on disk differ"
    assert not list(CATALOG_DIR.glob("*.yml")), "use the .yaml extension"


def test_index_covers_the_required_categories():
    assert {Path(name).stem for name in _index()["files"]} == CATEGORIES


# --- Category files --------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(p.name for p in CATALOG_DIR.glob("*.yaml")))
def test_every_file_parses(name):
    assert _load(CATALOG_DIR / name) is not None


@pytest.mark.parametrize("name", sorted(CATEGORIES))
def test_category_file_shape(name):
    doc = _category_files()[f"{name}.yaml"]
    assert isinstance(doc, dict)
    assert set(doc) == CATEGORY_FIELDS
    assert doc["category"] == name
    assert CATEGORY_RE.match(doc["category"])
    for field in ("title", "description"):
        assert isinstance(doc[field], str)
        assert doc[field].strip()
    assert isinstance(doc["items"], list)
    assert doc["items"], f"{name} has no items"


# --- Items -----------------------------------------------------------------------------------


def _target_problems(item: dict) -> list[str]:
    problems = []
    if ("target" in item) != ("target_metric" in item):
        problems.append("target and target_metric must come together")
    if "target" in item and (not isinstance(item["target"], str) or not item["target"].strip()):
        problems.append("target must be a non-empty string")
    if "target_metric" in item:
        tm = item["target_metric"]
        if not isinstance(tm, dict) or set(tm) != TARGET_METRIC_FIELDS:
            problems.append(f"target_metric must have exactly {sorted(TARGET_METRIC_FIELDS)}")
        else:
            if not isinstance(tm["metric"], str) or not METRIC_RE.match(tm["metric"]):
                problems.append("target_metric.metric must be snake_case")
            if tm["op"] not in OPS:
                problems.append(f"bad target_metric.op {tm['op']!r}")
            if not _is_number(tm["value"]):
                problems.append("target_metric.value must be a number")
            if not isinstance(tm["unit"], str) or not tm["unit"].strip():
                problems.append("target_metric.unit must be a non-empty string")
    return problems


def _applies_to_problems(item: dict) -> list[str]:
    problems = []
    if "applies_to" in item:
        applies = item["applies_to"]
        if not isinstance(applies, dict) or not applies:
            problems.append("applies_to must be a non-empty mapping (omit it to apply to all)")
        else:
            if unknown := set(applies) - set(APPLIES_TO):
                problems.append(f"unknown applies_to keys {sorted(unknown)}")
            for dimension, allowed in APPLIES_TO.items():
                if dimension not in applies:
                    continue
                values = applies[dimension]
                if not isinstance(values, list) or not values:
                    problems.append(f"applies_to.{dimension} must be a non-empty list")
                elif bad := set(values) - allowed:
                    problems.append(f"applies_to.{dimension} has unknown values {sorted(bad)}")
                elif len(values) != len(set(values)):
                    problems.append(f"applies_to.{dimension} repeats a value")
    return problems


def _item_problems(category: str, item) -> list[str]:
    if not isinstance(item, dict):
        return [f"item in {category} is not a mapping: {item!r}"]
    key = item.get("key", "<no key>")
    problems = []
    fields = set(item)
    if missing := REQUIRED_ITEM_FIELDS - fields:
        problems.append(f"missing fields {sorted(missing)}")
    if unknown := fields - REQUIRED_ITEM_FIELDS - OPTIONAL_ITEM_FIELDS:
        problems.append(f"unknown fields {sorted(unknown)}")

    if not isinstance(key, str) or not KEY_RE.match(key):
        problems.append("key does not match <category>.<kebab-name>")
    elif not key.startswith(f"{category}."):
        problems.append(f"key does not start with its category {category!r}")

    title = item.get("title")
    if not isinstance(title, str) or not title.strip():
        problems.append("empty title")
    elif len(title) > MAX_TITLE_LENGTH or title != title.strip() or "\n" in title:
        problems.append(f"title longer than {MAX_TITLE_LENGTH} chars or badly formatted")

    guidance = item.get("guidance")
    if not isinstance(guidance, str) or not guidance.strip():
        problems.append("empty guidance")
    elif not 2 <= _sentence_count(guidance) <= 5:
        problems.append(f"guidance has {_sentence_count(guidance)} sentences, expected 2-5")

    if item.get("severity") not in SEVERITIES:
        problems.append(f"bad severity {item.get('severity')!r}")
    if item.get("level") not in LEVELS:
        problems.append(f"bad level {item.get('level')!r}")

    problems += _target_problems(item)
    problems += _applies_to_problems(item)
    return [f"{key}: {p}" for p in problems]


def test_every_item_is_valid():
    problems = [p for category, item in _items() for p in _item_problems(category, item)]
    assert not problems, "\n".join(problems)


def test_keys_are_unique():
    counts = Counter(item["key"] for _, item in _items())
    assert not [key for key, n in counts.items() if n > 1]


def test_titles_are_unique():
    counts = Counter(item["title"].lower() for _, item in _items())
    assert not [title for title, n in counts.items() if n > 1]


def test_enough_items_overall():
    assert len(_items()) >= MIN_ITEMS


@pytest.mark.parametrize("framework", sorted(APPLIES_TO["frameworks"]))
def test_enough_items_per_framework(framework):
    items = [
        item
        for _, item in _items()
        if framework in item.get("applies_to", {}).get("frameworks", [])
    ]
    assert len(items) >= MIN_ITEMS_PER_FRAMEWORK


def test_every_key_the_scan_engine_can_set_is_in_the_catalog():
    # Scan rules prove or disprove these items: a key missing from the catalog would leave a
    # rule's verdict with nothing to land on. (The guide's performance keys are checked by
    # the target tests below.)
    assert CHECKLIST_KEYS
    assert not CHECKLIST_KEYS - set(_items_by_key())


@pytest.mark.parametrize(("key", "expected"), sorted(EXPECTED_TARGETS.items()))
def test_guide_targets_have_the_right_numbers(key, expected):
    item = _items_by_key()[key]
    tm = item["target_metric"]
    op, value = expected
    assert tm["op"] == op
    assert tm["unit"] in UNIT_FACTORS
    assert tm["value"] * UNIT_FACTORS[tm["unit"]] == pytest.approx(value)


def test_every_architecture_tier_has_items():
    architecture = _category_files()["architecture.yaml"]["items"]
    for tier in APPLIES_TO["tiers"]:
        tier_items = [i for i in architecture if tier in i.get("applies_to", {}).get("tiers", [])]
        assert len(tier_items) >= 4, f"tier {tier} has too few architecture items"
    scale_only = {
        i["key"] for i in architecture if i.get("applies_to", {}).get("tiers") == ["scale"]
    }
    assert {"architecture.multi-region", "architecture.data-warehouse"} <= scale_only
