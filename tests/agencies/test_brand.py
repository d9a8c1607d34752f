"""The booking page belongs to the agency (issue 13): its name, logo and accent colour, set
in its settings. A logo is decoded, bounded and re-encoded before it is kept; a colour must
leave white text readable; every refusal says why and changes nothing."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from apps.agencies import selectors, services
from apps.agencies.models import AgencyBrand
from apps.audit.models import AuditEvent, Verb
from apps.core.errors import ApplicationError
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def image(fmt="PNG", size=(400, 200), color=(200, 30, 30, 255)) -> bytes:
    out = io.BytesIO()
    mode = "RGBA" if fmt in ("PNG", "WEBP") else "RGB"
    Image.new(mode, size, color[: len(mode)]).save(out, format=fmt)
    return out.getvalue()


def _post(client, agency, **data):
    return client.post(reverse("agency_brand", args=[agency.slug]), data)


def upload(content: bytes, name="logo.png", content_type="image/png"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_an_admin_sets_logo_and_colour_and_the_booking_page_wears_them(
    owner, agency, login, client
):
    response = _post(login(owner), agency, accent_color="#0F766E", logo=upload(image()))
    assert response.status_code == 302
    brand = AgencyBrand.objects.get(agency=agency)
    assert brand.accent_color == "#0f766e"
    assert (brand.logo_width, brand.logo_height) == (320, 160)  # kept at 160 px high
    assert AuditEvent.objects.filter(verb=Verb.AGENCY_UPDATED, agency=agency).exists()

    page = client.get(reverse("book_agency", args=[agency.slug])).content.decode()
    assert agency.name in page
    assert "Create an account" not in page
    assert "Sign in" not in page
    logo_url = reverse("book_logo", args=[agency.slug, brand.version])
    style_url = reverse("book_style", args=[agency.slug, brand.version])
    assert logo_url in page
    assert style_url in page
    logo = client.get(logo_url)
    assert logo["Content-Type"] == "image/png"
    assert "immutable" in logo["Cache-Control"]
    assert Image.open(io.BytesIO(logo.content)).format == "PNG"
    style = client.get(style_url).content.decode()
    assert "--color-primary: #0f766e;" in style
    # A replaced logo gets a new address; the old one is no longer served.
    _post(login(owner), agency, accent_color="#0f766e", logo=upload(image(color=(0, 0, 0, 255))))
    brand.refresh_from_db()
    assert client.get(logo_url).status_code == 404
    assert client.get(reverse("book_logo", args=[agency.slug, brand.version])).status_code == 200


def test_the_upload_is_re_encoded_and_keeps_nothing_but_pixels(owner, agency):
    jpeg = io.BytesIO()
    Image.new("RGB", (64, 64), (10, 20, 30)).save(jpeg, format="JPEG", comment=b"secret")
    brand = services.agency_brand_update(
        actor=owner, agency=agency, accent_color="", logo=jpeg.getvalue()
    )
    kept = bytes(AgencyBrand.objects.get(pk=brand.pk).logo)
    assert kept.startswith(b"\x89PNG")
    assert b"secret" not in kept


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"accent_color": "teal"}, "# and six hexadecimal digits"),
        ({"accent_color": "#fde047"}, "Choose a darker shade"),
        ({"accent_color": "#12345"}, "# and six hexadecimal digits"),
        ({"accent_color": "#1234567"}, "at most 7 characters"),
        ({"logo": upload(b"<svg xmlns='http://www.w3.org/2000/svg'/>", "logo.svg",
                         "image/svg+xml")}, "not an image we can read"),
        ({"logo": upload(image("GIF"), "logo.gif", "image/gif")}, "PNG, JPEG or WebP"),
        ({"logo": upload(image(size=(3000, 100)))}, "at most 2000"),
        ({"logo": upload(image(size=(20, 20)))}, "at least 32"),
        ({"logo": upload(image()[:60])}, "not an image we can read"),
        ({"logo": upload(b"\x89PNG" + b"0" * (600 * 1024))}, "at most 512 KB"),
    ],
)  # fmt: skip
def test_bad_input_gets_a_clear_error_and_changes_nothing(owner, agency, login, data, expected):
    services.agency_brand_update(actor=owner, agency=agency, accent_color="#1d4ed8")
    before = AgencyBrand.objects.get(agency=agency)
    response = _post(login(owner), agency, **data)
    assert response.status_code == 200
    assert expected in response.content.decode()
    after = AgencyBrand.objects.get(agency=agency)
    assert (after.accent_color, after.version, after.logo_width) == (
        before.accent_color, before.version, before.logo_width,
    )  # fmt: skip


def test_only_admins_of_this_agency_change_the_look(engineer, agency, login):
    response = _post(login(engineer), agency, accent_color="#1d4ed8")
    assert response.status_code == 403
    stranger = MembershipFactory(role="owner")
    with pytest.raises(ApplicationError, match="Not found"):
        services.agency_brand_update(actor=stranger, agency=agency, accent_color="#1d4ed8")
    assert not AgencyBrand.objects.filter(agency=agency).exists()


def test_removing_the_logo_and_colour_brings_back_the_default(owner, agency, client):
    services.agency_brand_update(actor=owner, agency=agency, accent_color="#1d4ed8",
                                 logo=image())  # fmt: skip
    services.agency_brand_update(actor=owner, agency=agency, accent_color="", remove_logo=True)
    brand = selectors.agency_brand(agency=agency)
    assert not brand.has_logo
    assert brand.accent_color == ""
    page = client.get(reverse("book_agency", args=[agency.slug])).content.decode()
    assert "/brand/logo-" not in page
