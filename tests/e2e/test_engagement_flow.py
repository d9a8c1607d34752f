"""The engagement flow end to end in Chromium: an admin creates a client and an engagement
and assigns an engineer; the engineer works the checklist inline; the client contact joins
through the emailed invitation, sees the progress and signs an item off."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from apps.agencies.roles import Role
from apps.checklists.models import ItemStatus, ProjectItem
from apps.projects.models import Project
from tests.e2e.conftest import assert_accessible
from tests.factories import AgencyFactory, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-passphrase-1"


def person(agency, role, email, name):
    from apps.accounts.models import User

    user = User.objects.create_user(
        email=email, password=PASSWORD, name=name, time_zone="Europe/Paris"
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    if role:
        MembershipFactory(agency=agency, user=user, role=role)
    return user


def sign_in(page, email):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()


def test_admin_engineer_and_client_contact_walk_an_engagement(new_page, catalog):
    agency = AgencyFactory(name="Northwind", slug="northwind")
    person(agency, Role.ADMIN, "ada@northwind.test", "Ada Admin")
    person(agency, Role.ENGINEER, "eli@northwind.test", "Eli Engineer")
    person(None, None, "cleo@acme.test", "Cleo Client")

    # 1. The admin: client, contact and portal invitation, engagement, engineer.
    admin = new_page("Europe/Paris")
    sign_in(admin, "ada@northwind.test")
    admin.goto("/northwind/clients/new/")
    admin.get_by_label("Name").fill("Acme")
    admin.get_by_role("button", name="Add client").click()
    admin.get_by_role("heading", name="People at Acme").wait_for()
    admin.get_by_label("Name").fill("Cleo Client")
    admin.get_by_label("Email").fill("cleo@acme.test")
    admin.get_by_role("button", name="Add contact").click()
    admin.get_by_role("button", name="Invite to portal Cleo Client").click()
    admin.get_by_text("Portal invitation sent to cleo@acme.test").wait_for()
    assert_accessible(admin)

    admin.get_by_role("link", name="New engagement").click()
    admin.get_by_label("Engagement name").fill("Acme checkout")
    admin.get_by_label("Built with").select_option("lovable")
    admin.get_by_label("Stack").fill("React, Supabase")
    admin.get_by_label("Expected users in a year").fill("20000")
    admin.get_by_label("GDPR").check()
    admin.get_by_role("button", name="Create engagement").click()
    admin.get_by_role("heading", level=1, name=re.compile("Acme checkout")).wait_for()
    assert admin.get_by_text("10K to 100K users").first.is_visible()
    admin.get_by_label("Engineer").select_option(label="Eli Engineer (Engineer)")
    admin.get_by_role("button", name="Assign").click()
    admin.get_by_text("Eli Engineer assigned").wait_for()
    assert_accessible(admin)
    project = Project.objects.get(name="Acme checkout")

    # 2. The engineer: changes items inline; readiness updates without a reload.
    engineer = new_page("America/New_York")
    sign_in(engineer, "eli@northwind.test")
    engineer.goto(f"/northwind/projects/{project.pk}/?severity=critical")
    critical = list(
        ProjectItem.objects.filter(project=project, severity="critical").order_by(
            "category", "key"
        )[:2]
    )
    before = engineer.locator(".readiness-hero__number").inner_text()
    for item in critical:
        # htmx posts on change and swaps the row and, out of band, the readiness summary.
        with engineer.expect_response(lambda r, pk=item.pk: f"/items/{pk}/status/" in r.url):
            engineer.get_by_label(f"Status of {item.title}").select_option("done")
        engineer.wait_for_load_state("networkidle")
    after = engineer.locator(".readiness-hero__number").inner_text()
    assert after != before
    assert (
        ProjectItem.objects.filter(pk__in=[i.pk for i in critical], status=ItemStatus.DONE).count()
        == 2
    )
    assert_accessible(engineer)

    # 3. The client contact: accepts the invitation, sees progress, signs one item off.
    contact = new_page("Asia/Tokyo")
    sign_in(contact, "cleo@acme.test")
    link = re.search(r"https?://[^/\s]+(/invitations/\S+/)", mail.outbox[-1].body).group(1)
    contact.goto(link)
    contact.get_by_role("button", name="Accept and join").click()
    contact.get_by_role("heading", name="Your engagements").wait_for()
    assert contact.get_by_role("link", name="Acme checkout").is_visible()
    assert contact.get_by_text(after).first.is_visible()
    assert_accessible(contact)
    contact.get_by_label(critical[0].title).check()
    contact.get_by_role("button", name="Review and sign off").click()
    contact.get_by_role("heading", name="Sign off 1 item").wait_for()
    assert_accessible(contact)
    contact.get_by_role("button", name="Confirm the sign-off of 1 item").click()
    contact.get_by_text("You signed off 1 item.").wait_for()
    signed = ProjectItem.objects.get(pk=critical[0].pk)
    assert signed.signed_off_at is not None
    assert signed.signed_off_by.email == "cleo@acme.test"

    # The admin sees the sign-off in the engagement's feed.
    admin.goto(f"/northwind/projects/{project.pk}/")
    feed = admin.locator("#activity-title + .timeline")
    assert feed.get_by_text(
        re.compile("signed off “" + re.escape(critical[0].title[:40]))
    ).is_visible()
