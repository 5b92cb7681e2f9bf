"""schemathesis generates requests from ``/api/openapi.json`` (valid and invalid bodies, ids,
headers) and sends them to the app through WSGI with a marketer's token: no 5xx, and every
response is one the document declares (status, content type, body schema).

Deterministic, so a red run is always a real one: hypothesis is derandomized (the same examples
on every run, no example database), and the app's WeChat is the live sandbox, so the endpoints
that call WeChat (the QR codes) answer rather than 503 (the suite's default WeChat is a closed
port, on purpose, and a 503 there was counted as a server error at random)."""

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


def _seed(factory) -> list[int]:
    """Campaigns 1-3 (draft, live, ended), so generated ids hit real campaigns too."""
    return [factory.campaign(status=status).id for status in ("draft", "live", "ended")]


@pytest.mark.slow
def test_the_api_keeps_to_its_document(app, factory, sandbox):
    app.config["WECHAT_TIMEOUT_SECONDS"] = 30  # a slow answer on a busy machine is not a 503
    campaign_ids = _seed(factory)
    headers = bearer(factory.token("marketer"))
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 5

    # Every read of each real campaign, whatever ids the examples below happen to draw.
    for operation in operations:
        if operation.method.upper() == "GET" and "{campaign_id}" in operation.path:
            for campaign_id in campaign_ids:
                case = operation.Case(path_parameters={"campaign_id": campaign_id})
                case.call_and_validate(headers=headers, checks=CHECKS)
    assert sandbox.calls("cgi-bin/qrcode/create"), "the QR code operations reached WeChat"

    for operation, mode in itertools.product(operations, GenerationMode):

        @given(case=operation.as_strategy(mode))
        @settings(
            max_examples=20,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def keeps_to_the_document(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        keeps_to_the_document()
