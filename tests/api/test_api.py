"""The department push API: token auth, upload, batches scoped to the department, throttling, OpenAPI."""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from fangpin.accounts.roles import Role
from fangpin.api.services import api_token_create
from fangpin.core.errors import ValidationError
from fangpin.feeds.services import feed_schemas_install_defaults
from tests.factories import UserFactory
from tests.feeds.test_services import HEADER, _id_of

URL = "/api/v1"


@pytest.fixture
def officer(county):
    feed_schemas_install_defaults()
    return UserFactory(username="health1", role=Role.DEPARTMENT, division=county.county, department="卫健")


def _auth(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def _file(households, name="health.csv"):
    member = households["a1"].members.get()
    body = (
        HEADER
        + f"{_id_of(member)},{member.name},县人民医院,2026-10-03,2026-10-10,2026-10-12,23400,12000,11400\n"
    )
    return SimpleUploadedFile(name, body.encode("gb18030"), content_type="text/csv")


def test_a_department_pushes_a_file_and_follows_its_batch(client, officer, households):
    token = api_token_create(actor="test", user=officer, label="卫健 push")
    response = client.post(f"{URL}/feeds/health/batches", {"file": _file(households)}, **_auth(token))
    assert response.status_code == 202, response.content
    batch = response.json()
    detail = client.get(f"{URL}/feeds/batches/{batch['id']}", **_auth(token)).json()
    assert detail["status"] == "done" and detail["rows_matched"] == 1 and detail["department"] == "卫健"
    again = client.post(
        f"{URL}/feeds/health/batches", {"file": _file(households, "again.csv")}, **_auth(token)
    )
    assert again.status_code == 200 and again.json()["is_duplicate"] and again.json()["id"] == batch["id"]


def test_another_department_cannot_see_the_batch(client, officer, county, households):
    token = api_token_create(actor="test", user=officer, label="t")
    batch_id = client.post(f"{URL}/feeds/health/batches", {"file": _file(households)}, **_auth(token)).json()[
        "id"
    ]
    education = UserFactory(username="edu", role=Role.DEPARTMENT, division=county.county, department="教育")
    other = api_token_create(actor="test", user=education, label="t2")
    assert client.get(f"{URL}/feeds/batches/{batch_id}", **_auth(other)).status_code == 404
    assert client.get(f"{URL}/feeds/batches", **_auth(other)).json() == []


def test_requests_without_a_valid_token_are_refused(client, officer):
    assert client.get(f"{URL}/feeds/batches").status_code == 401
    assert client.get(f"{URL}/feeds/batches", **_auth("fp_not-a-token")).status_code == 401


def test_an_unreadable_file_is_a_422_with_the_reason_and_no_batch(client, officer):
    token = api_token_create(actor="test", user=officer, label="t")
    junk = SimpleUploadedFile("x.csv", b"\x00\x01 junk" * 50)
    response = client.post(f"{URL}/feeds/health/batches", {"file": junk}, **_auth(token))
    assert response.status_code == 422 and response.json()["field"] == "file"
    assert client.get(f"{URL}/feeds/batches", **_auth(token)).json() == []


def test_a_village_cadre_gets_no_token(county):
    cadre = UserFactory(username="v", role=Role.VILLAGE, division=county.village_a1)
    with pytest.raises(ValidationError):
        api_token_create(actor="test", user=cadre, label="t")


def test_a_token_is_throttled_after_its_rate(client, officer):
    cache.clear()  # other tests' requests count against the same user id
    token = api_token_create(actor="test", user=officer, label="t")
    codes = [client.get(f"{URL}/feeds/batches", **_auth(token)).status_code for _ in range(21)]
    assert codes[:20] == [200] * 20 and codes[20] == 429


def test_the_openapi_schema_documents_the_endpoints(client, db):
    schema = client.get(f"{URL}/openapi.json").json()
    assert {"/api/v1/feeds/{source}/batches", "/api/v1/feeds/batches/{batch_id}"} <= set(schema["paths"])
