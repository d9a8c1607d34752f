"""The OpenAPI document says what the API does (issue 10, item 4, the drift schemathesis
found): empty strings where answers carry them, a nullable host, every operation's error
answers, and requests taken only as the schema describes them (types, ids, page sizes,
cursors). tests/server/test_schemathesis.py drives the whole API against the document."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

from tests.support.api import assert_error, bearer
from tests.support.tenants import api_tenant

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def _property(schema, component: str, name: str) -> dict:
    return schema["components"]["schemas"][component]["properties"][name]


def _admits_empty(prop: dict, schema) -> bool:
    """Whether "" validates against `prop` (following one level of $ref and oneOf)."""
    options = prop.get("oneOf") or prop.get("anyOf") or prop.get("allOf") or [prop]
    for option in options:
        target = option
        if "$ref" in option:
            target = schema["components"]["schemas"][option["$ref"].rsplit("/", 1)[1]]
        if "" in target.get("enum", []) or target.get("maxLength") == 0:
            return True
        if target.get("type") == "string" and "enum" not in target and "format" not in target:
            return True
    return False


@pytest.mark.parametrize(
    ("component", "name"),
    [
        ("Client", "website"),
        ("Client", "billing_email"),
        ("Booking", "prototype_url"),
        ("Booking", "platform"),
        ("PublicBooking", "platform"),
        ("Project", "tier_override"),
        ("Project", "repository_url"),
    ],
)
def test_fields_the_answers_may_leave_empty_admit_the_empty_string(schema, component, name):
    assert _admits_empty(_property(schema, component, name), schema)


def test_a_bookings_host_is_nullable(schema):
    for component in ("Booking", "BookingDetail", "PublicBooking"):
        assert _property(schema, component, "host").get("nullable") is True, component


def test_every_operation_documents_its_error_answers(schema):
    missing = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            public = operation.get("security") == [{}]
            wanted = {"400", "429"} | (set() if public else {"401", "403"})
            if "{" in path:
                wanted.add("404")
            if "requestBody" in operation:
                wanted.add("415")
            for status in wanted - set(operation["responses"]):
                missing.append(f"{method.upper()} {path}: {status}")
            error = operation["responses"]["400"]["content"]["application/json"]["schema"]
            assert error == {"$ref": "#/components/schemas/Error"}, (path, method)
    assert not missing, missing
    assert schema["components"]["schemas"]["Error"]["required"] == ["error"]


def test_the_api_takes_json_only(schema):
    types = {
        media
        for item in schema["paths"].values()
        for operation in item.values()
        for media in operation.get("requestBody", {}).get("content", {})
    }
    assert types == {"application/json"}


def test_optional_query_parameters_may_be_empty_and_page_size_is_bounded(schema):
    members = schema["paths"]["/api/v1/agencies/{agency_slug}/members/"]["get"]
    parameters = {p["name"]: p for p in members["parameters"]}
    assert {"role", "search", "cursor", "page_size"} <= set(parameters)
    assert all(parameters[name]["allowEmptyValue"] for name in ("role", "search", "cursor"))
    assert parameters["page_size"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 200}


def test_the_invitation_withdrawal_answers_200_with_the_invitation(schema):
    delete = schema["paths"]["/api/v1/agencies/{agency_slug}/invitations/{invitation_id}/"]
    assert "200" in delete["delete"]["responses"]
    assert "204" not in delete["delete"]["responses"]


@pytest.fixture
def world(catalog):
    tenant = api_tenant("alpha")
    return {"objects": tenant, "client": bearer(tenant["bearer"])}


@pytest.mark.parametrize(
    ("body", "field", "text"),
    [
        ({"notes": 5}, "notes", "Give a string."),
        ({"name": ["Acme"]}, "name", "Give a string."),
        ({"status": True}, "status", "Give a string."),
    ],
)
def test_a_value_of_another_json_type_is_a_400(world, body, field, text):
    """DRF alone turned 5 into "5" for a text field: the schema says string."""
    url = f"/api/v1/agencies/alpha/clients/{world['objects']['client_id']}/"
    response = world["client"].patch(url, body, content_type="application/json")
    assert_error(response, 400, "invalid", field=field, text=text)


def test_numbers_and_booleans_are_not_taken_from_strings(world):
    url = f"/api/v1/agencies/alpha/projects/{world['objects']['project_id']}/"
    client = world["client"]
    for body, field in (
        ({"users_at_launch": "2000"}, "users_at_launch"),
        ({"users_at_launch": True}, "users_at_launch"),
        ({"stack": ["React", 5]}, "stack"),
    ):
        assert_error(client.patch(url, body, content_type="application/json"), 400, field=field)
    cleared = client.patch(url, {"users_at_launch": None}, content_type="application/json")
    assert cleared.status_code == 200


@pytest.mark.parametrize(
    "value",
    ["0" * 32, "{00000000-0000-0000-0000-000000000000}", "urn:uuid:00000000-0000-0000-0000-0"],
)
def test_ids_must_be_written_as_uuids_in_bodies_and_queries(world, value):
    objects = world["objects"]
    client = world["client"]
    item = f"/api/v1/agencies/alpha/projects/{objects['project_id']}/items/{objects['item_id']}/"
    response = client.patch(item, {"assignee": value}, content_type="application/json")
    assert_error(response, 400, field="assignee", text="valid UUID")
    listed = client.get(f"/api/v1/agencies/alpha/projects/?client={value}")
    assert_error(listed, 400, field="client", text="valid UUID")


def test_me_still_names_the_member_asking(world):
    items = f"/api/v1/agencies/alpha/projects/{world['objects']['project_id']}/items/"
    assert world["client"].get(items, {"assignee": "me"}).status_code == 200


@pytest.mark.parametrize("page_size", ["0", "201", "-1", "ten", "1.5", "²"])
def test_a_page_size_outside_1_to_200_is_a_400(world, page_size):
    response = world["client"].get("/api/v1/agencies/alpha/members/", {"page_size": page_size})
    assert_error(response, 400, field="page_size")


def test_an_empty_page_size_or_filter_is_as_if_not_given(world):
    everyone = world["client"].get("/api/v1/agencies/alpha/members/").json()["results"]
    response = world["client"].get("/api/v1/agencies/alpha/members/?page_size=&role=&search=")
    assert response.status_code == 200
    assert response.json()["results"] == everyone


# "cD0ACg==" is "p=\x00\n": a position with NUL, which PostgreSQL would refuse with an error.
@pytest.mark.parametrize("cursor", ["not-base64!", "w6k=", "cD0ACg=="])
def test_a_cursor_we_did_not_give_is_a_400(world, cursor):
    response = world["client"].get("/api/v1/agencies/alpha/members/", {"cursor": cursor})
    assert_error(response, 400, field="cursor")


@pytest.mark.parametrize("body", ["false", "[]", "5", '"text"', "null"])
def test_a_body_that_is_no_object_is_a_400(world, body):
    """Found by schemathesis: the type check met `false` where it expected an object."""
    url = f"/api/v1/agencies/alpha/clients/{world['objects']['client_id']}/"
    response = world["client"].patch(url, body, content_type="application/json")
    assert_error(response, 400, "invalid")
