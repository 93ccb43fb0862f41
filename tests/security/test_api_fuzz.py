"""The API against its own OpenAPI document, fuzzed by schemathesis over real HTTP, signed in as a member:
no server error for any input, and every answer as the document says (status, content type, body schema).
Derandomized (the same examples on every run); the pages and forms beside the API: tests/security/."""
import re

import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import ignored_auth, negative_data_rejection, positive_data_acceptance

from tests.helpers import PASSWORD

EXAMPLES_PER_OPERATION = 60
# The streamed photo upload's body (tus's media type): raw bytes, sent as schemathesis sends application/octet-stream.
schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")
NOT_APPLICABLE = [
    # Both take the credentials away and expect a refusal; ours live in the requests session's cookie jar, which
    # puts them back, so their verdict would be about the tool, not the API. (Signed-out answers: test_sync_api.)
    ignored_auth,
    negative_data_rejection,
    # Expects every schema-valid body to be accepted, but which fields an item needs depends on its kind (and
    # author_id must be the signed-in member): rules between fields that the document states in prose only.
    # Every such refusal is still checked to be a documented 4xx problem document.
    positive_data_acceptance,
]


def signed_in_member(base_url: str) -> requests.Session:
    """A requests session signed in as the demo member, carrying the CSRF header like the phone does."""
    http = requests.Session()
    page = http.get(f"{base_url}/masuk", timeout=10).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    http.post(
        f"{base_url}/masuk",
        data={"username": "anggota", "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
        timeout=10,
    )
    http.headers["X-CSRFToken"] = http.get(f"{base_url}/api/v1/me", timeout=10).json()["csrf_token"]
    return http


def test_api_never_errors_and_conforms_to_its_document(live_server):
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {f"{op.method.upper()} {op.path}" for op in operations} >= {
        "GET /api/v1/me", "POST /api/v1/items", "GET /api/v1/items", "PUT /api/v1/photos/{photo_id}/content",
        "PATCH /api/v1/photos/{photo_id}/content",
    }
    with signed_in_member(live_server.url) as http:
        for operation in operations:
            # Valid-looking and deliberately invalid requests alike: neither may ever meet a server error.
            cases = operation.as_strategy(generation_mode=GenerationMode.POSITIVE) | operation.as_strategy(
                generation_mode=GenerationMode.NEGATIVE
            )

            @given(case=cases)
            @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))
            def conforms(case):
                case.call_and_validate(base_url=live_server.url, session=http, excluded_checks=NOT_APPLICABLE)

            conforms()
