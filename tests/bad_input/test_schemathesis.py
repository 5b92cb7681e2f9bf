"""schemathesis generates requests from ``/api/openapi.json`` (valid and invalid bodies, ids,
headers) and sends them to the app through WSGI with a marketer's token: no 500, and every
response is one the document declares (status, content type, body schema)."""

from __future__ import annotations

import itertools

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.bad_input.helpers import bearer

pytestmark = pytest.mark.one_database

# What we promise: no server error, nothing outside the document. Not checked: that every body
# the document allows is accepted (positive_data_acceptance), since some rules span fields the
# document cannot express (ends_at after starts_at, odds adding up to at most 1).
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _seed(factory) -> None:
    """Campaigns 1-3 (draft, live, ended), so generated ids hit real campaigns too."""
    factory.campaign(status="draft")
    factory.campaign(status="live")
    factory.campaign(status="ended")


@pytest.mark.slow
def test_the_api_keeps_to_its_document(app, factory):
    _seed(factory)
    headers = bearer(factory.token("marketer"))
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 5

    for operation, mode in itertools.product(operations, GenerationMode):

        @given(case=operation.as_strategy(mode))
        @settings(
            max_examples=20,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def keeps_to_the_document(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        keeps_to_the_document()
