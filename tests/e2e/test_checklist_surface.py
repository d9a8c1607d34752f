"""The checklist as a work surface in Chromium (issue 13): a bulk edit done with the keyboard
alone, an inline "not applicable" that asks for its reason (it used to fail with a 422 that
showed nothing), and the page at phone and laptop widths without horizontal scrolling."""

import pytest

from apps.agencies.roles import Role
from apps.checklists.models import ItemStatus, ProjectItem
from apps.clients.models import Client
from apps.projects import services as project_services
from tests.e2e.conftest import assert_accessible, assert_fits
from tests.e2e.test_engagement_flow import person, sign_in
from tests.factories import AgencyFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def engagement(catalog):
    from apps.agencies.models import Membership

    agency = AgencyFactory(name="Northwind", slug="northwind")
    person(agency, Role.OWNER, "ada@northwind.test", "Ada Owner")
    person(agency, Role.ENGINEER, "eli@northwind.test", "Eli Engineer")
    owner = Membership.objects.get(user__email="ada@northwind.test")
    engineer = Membership.objects.get(user__email="eli@northwind.test")
    client = Client.objects.create(agency=agency, name="Acme")
    project = project_services.project_create(
        actor=owner, client=client, name="Acme portal", source_platform="lovable",
        users_at_launch=2_000, users_in_a_year=8_000,
    )  # fmt: skip
    project_services.project_assign(actor=owner, project=project, member=engineer)
    return project


def _items(project):
    return list(ProjectItem.objects.filter(project=project).order_by("category", "key", "id"))


def test_a_bulk_edit_with_the_keyboard_alone(new_page, engagement):
    page = new_page("Europe/Paris")
    sign_in(page, "eli@northwind.test")
    page.goto(f"/northwind/projects/{engagement.pk}/")
    first, second = _items(engagement)[:2]
    page.locator("body").focus()
    page.keyboard.press("j")
    page.keyboard.press("x")
    page.keyboard.press("j")
    page.keyboard.press("x")
    assert page.locator("[data-selected-count]").inner_text() == "2"
    page.keyboard.press("?")
    assert page.get_by_role("dialog", name="Keyboard shortcuts").is_visible()
    page.keyboard.press("Escape")
    page.keyboard.press("b")  # to the bulk bar: "Set the status" is chosen already
    page.keyboard.press("Tab")  # the new status
    page.keyboard.type("Done")
    page.keyboard.press("Tab")  # the reason (only for "not applicable")
    page.keyboard.press("Tab")  # Apply to selected
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.get_by_text("2 items changed.").wait_for()
    done = ProjectItem.objects.filter(pk__in=[first.pk, second.pk], status=ItemStatus.DONE)
    assert done.count() == 2
    assert ProjectItem.objects.filter(project=engagement, status=ItemStatus.DONE).count() == 2


def test_not_applicable_inline_asks_for_the_reason(new_page, engagement):
    page = new_page("America/New_York")
    sign_in(page, "eli@northwind.test")
    page.goto(f"/northwind/projects/{engagement.pk}/")
    item = _items(engagement)[0]
    with page.expect_response(lambda r: f"/items/{item.pk}/status/" in r.url) as answer:
        page.get_by_label(f"Status of {item.title}").select_option("not_applicable")
    assert answer.value.status == 422
    row = page.locator(f"#item-{item.pk}")
    row.get_by_role("alert").wait_for()
    assert "Say why this item does not apply" in row.get_by_role("alert").inner_text()
    reason = row.get_by_label("Why it does not apply")
    assert reason.evaluate("el => el === document.activeElement")
    reason.fill("No payments in this app.")
    with page.expect_response(lambda r: f"/items/{item.pk}/status/" in r.url) as answer:
        reason.press("Enter")  # one htmx post, not a page load racing it
    assert answer.value.status == 200
    page.locator(f"#item-{item.pk} .row-error").wait_for(state="detached")
    item.refresh_from_db()
    assert item.status == ItemStatus.NOT_APPLICABLE
    assert item.not_applicable_reason == "No payments in this app."


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1366, 768), (1920, 1080)])
def test_the_engagement_page_fits_the_screen(sized_page, engagement, width, height):
    page = sized_page(width, height)
    sign_in(page, "eli@northwind.test")
    page.goto(f"/northwind/projects/{engagement.pk}/")
    assert_fits(page, "engagement")
    assert page.console_errors == []
    assert_accessible(page)


def test_the_printed_report_has_no_screen_hint_and_no_trailing_blank_page(new_page, engagement):
    page = new_page("Europe/Paris")
    sign_in(page, "eli@northwind.test")
    page.goto(f"/northwind/projects/{engagement.pk}/report/")
    assert page.get_by_text("Print this page or save it as PDF").is_visible()
    page.emulate_media(media="print")
    assert not page.get_by_text("Print this page or save it as PDF").is_visible()
    # The blank last page came from the screen layout's full-height body: in print, the
    # page ends where the report does.
    trailing = page.evaluate(
        """() => document.documentElement.scrollHeight
                 - document.querySelector('.report').getBoundingClientRect().bottom
                 - window.scrollY"""
    )
    assert trailing < 80, f"{trailing}px of empty page after the report"
    pdf = page.pdf(format="A4")
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") + pdf.count(b"/Type/Page") >= 1


def test_a_closed_group_loads_its_rows_when_opened(new_page, engagement):
    page = new_page("Europe/Paris")
    sign_in(page, "eli@northwind.test")
    page.goto(f"/northwind/projects/{engagement.pk}/")
    closed = page.locator("details.checklist-group:not([open])").first
    assert closed.count() == 1
    key = closed.locator("h3").get_attribute("id").removeprefix("group-")
    closed = page.locator(f"details.checklist-group:has(#group-{key})")  # open, soon
    wanted = ProjectItem.objects.filter(project=engagement, category=key).count()
    page.evaluate("window.__stayed = true")
    with page.expect_response(lambda r: f"/checklist/{key}/" in r.url) as answer:
        closed.locator("summary").click()
    assert answer.value.status == 200
    closed.locator("[data-item-row]").first.wait_for()
    assert closed.locator("[data-item-row]").count() == wanted
    assert page.evaluate("window.__stayed === true")
    # The loaded rows are part of the work surface: selecting one counts in the bulk bar.
    closed.locator("[data-select-item]").first.check()
    assert page.locator("[data-selected-count]").inner_text() == "1"
