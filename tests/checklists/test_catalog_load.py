"""Loading the catalog: idempotent, upgrades recorded as releases, removals retired."""

import shutil

import pytest
import yaml

from apps.checklists.catalog import CATALOG_DIR, CatalogError, load_catalog
from apps.checklists.models import CatalogItem, CatalogRelease

pytestmark = pytest.mark.django_db


def test_loading_twice_changes_nothing_the_second_time():
    first = load_catalog()
    assert first.added >= 120
    assert CatalogRelease.objects.get(version=first.version).item_count == first.items
    second = load_catalog()
    assert not second.changed
    assert CatalogItem.objects.filter(agency__isnull=True).count() == first.items


@pytest.fixture
def catalog_copy(tmp_path):
    target = tmp_path / "catalog"
    shutil.copytree(CATALOG_DIR, target)
    return target


def _edit(directory, filename, fn):
    path = directory / filename
    data = yaml.safe_load(path.read_text())
    fn(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def test_changed_files_without_a_version_bump_are_refused(catalog_copy):
    load_catalog(catalog_copy)
    _edit(catalog_copy, "testing.yaml", lambda d: d["items"][0].update(title="Something else"))
    with pytest.raises(CatalogError, match="bump `version`"):
        load_catalog(catalog_copy)


def test_an_upgrade_updates_retires_and_is_recorded(catalog_copy):
    load_catalog(catalog_copy)
    removed_key = yaml.safe_load((catalog_copy / "caching.yaml").read_text())["items"][-1]["key"]
    _edit(catalog_copy, "caching.yaml", lambda d: d["items"].pop())
    _edit(catalog_copy, "testing.yaml", lambda d: d["items"][0].update(severity="low"))
    _edit(catalog_copy, "catalog.yaml", lambda d: d.update(version=d["version"] + 1))
    result = load_catalog(catalog_copy)
    assert (result.retired, result.updated, result.added) == (1, 1, 0)
    assert CatalogItem.objects.get(key=removed_key).retired_at is not None
    assert CatalogRelease.objects.count() == 2


def test_malformed_items_are_reported_with_where(catalog_copy):
    _edit(catalog_copy, "testing.yaml", lambda d: d["items"][0].update(severity="apocalyptic"))
    with pytest.raises(CatalogError, match=r"testing.yaml:testing\."):
        load_catalog(catalog_copy)
    assert not CatalogItem.objects.exists()
