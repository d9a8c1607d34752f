"""Sign-off in one pass (issue 13): the client contact checks several finished items on the
portal, sees what they are signing, and confirms once; anything not theirs or not finished
refuses the whole sign-off and signs nothing."""

import uuid

import pytest
from django.urls import reverse

from apps.checklists import services
from apps.checklists.models import ItemStatus, ProjectItem
from apps.projects.models import Activity

pytestmark = pytest.mark.django_db


@pytest.fixture
def finished(owner, portal, catalog):
    items = list(ProjectItem.objects.filter(project=portal).order_by("category", "key")[:4])
    services.items_bulk_update(
        actor=owner, project=portal, item_ids=[i.pk for i in items], status=ItemStatus.DONE
    )
    return items


def _post(client, agency, ids, *, confirm=False):
    data = {"items": [str(pk) for pk in ids]}
    if confirm:
        data["confirm"] = "on"
    return client.post(reverse("portal_sign_off", args=[agency.slug]), data)


def _messages(response):
    return [str(m) for m in response.wsgi_request._messages]


def _signed():
    return ProjectItem.objects.filter(signed_off_at__isnull=False)


def test_the_portal_groups_what_waits_and_signs_several_after_one_confirmation(
    acme_contact, agency, finished, login
):
    client = login(acme_contact)
    portal_page = client.get(reverse("portal", args=[agency.slug])).content.decode()
    assert portal_page.count('name="items"') == len(finished)
    assert "Review and sign off" in portal_page

    chosen = finished[:3]
    review = _post(client, agency, [i.pk for i in chosen])
    assert review.status_code == 200
    page = review.content.decode()
    assert "Sign off 3 items" in page
    assert "finished these 3 items as described" in page
    assert all(item.title in page for item in chosen)
    assert finished[3].title not in page
    assert not _signed().exists()  # nothing until confirmed

    done = _post(client, agency, [i.pk for i in chosen], confirm=True)
    assert done.status_code == 302
    assert _messages(done)[-1] == "You signed off 3 items."
    assert set(_signed().values_list("pk", flat=True)) == {i.pk for i in chosen}
    assert set(_signed().values_list("signed_off_by", flat=True)) == {acme_contact.user_id}
    assert Activity.objects.filter(kind=Activity.Kind.ITEM_SIGNED_OFF).count() == 3
    # Signing the same again signs nothing twice.
    again = _post(client, agency, [i.pk for i in chosen], confirm=True)
    assert _messages(again)[-1] == "You signed off 0 items."
    assert Activity.objects.filter(kind=Activity.Kind.ITEM_SIGNED_OFF).count() == 3


def test_another_clients_item_refuses_the_whole_sign_off(
    other_contact, acme_contact, agency, finished, login
):
    for who in (other_contact,):
        response = _post(login(who), agency, [finished[0].pk], confirm=True)
        assert " ".join(_messages(response)).startswith("Nothing was signed off.")
    # Mixed: one of the contact's own and one they may not sign.
    stranger = ProjectItem.objects.exclude(project=finished[0].project).first()
    ids = [finished[0].pk] + ([stranger.pk] if stranger else [uuid.uuid4()])
    response = _post(login(acme_contact), agency, ids, confirm=True)
    assert " ".join(_messages(response)).startswith("Nothing was signed off.")
    assert not _signed().exists()


def test_an_item_reopened_before_the_confirmation_refuses_it(
    acme_contact, owner, agency, finished, login
):
    client = login(acme_contact)
    assert _post(client, agency, [i.pk for i in finished[:2]]).status_code == 200
    services.item_update(actor=owner, item=finished[1], status=ItemStatus.IN_PROGRESS)
    response = _post(client, agency, [i.pk for i in finished[:2]], confirm=True)
    message = " ".join(_messages(response))
    assert message.startswith("Nothing was signed off.")
    assert finished[1].title in message
    assert not _signed().exists()


def test_staff_cannot_use_the_portal_sign_off(engineer, owner, agency, finished, login):
    for who in (engineer, owner):
        response = _post(login(who), agency, [finished[0].pk], confirm=True)
        assert response.status_code in (403, 404)
    assert not _signed().exists()


def test_bad_selections_get_a_clear_error(acme_contact, agency, finished, login):
    client = login(acme_contact)
    for ids, expected in [
        ([], "Select at least one item"),
        (["nope"], "Select items from the checklist"),
        ([uuid.uuid4() for _ in range(501)], "at most 500 items"),
        ([uuid.uuid4()], "no longer waiting"),
    ]:
        response = _post(client, agency, ids)
        assert response.status_code == 302
        assert any(expected in m for m in _messages(response)), (expected, _messages(response))
    assert not _signed().exists()
