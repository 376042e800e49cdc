"""Schemathesis against the generated document, inside the normal suite: a
fixed small number of examples per operation and a fixed seed, sent
in-process, with an admin's token and an operator's, requests the document
allows (positive) and requests it does not (negative). Any 5xx or any answer
outside the document fails. SQLite only (the longer run in bench/api_fuzz.py
covers PostgreSQL too): the short run must stay well under two minutes."""

from __future__ import annotations

import pytest

from bench.api_fuzz import fuzz, tokens_for

EXAMPLES = 5
SEED = 20261203


@pytest.mark.parametrize("role", ["admin", "operator"])
def test_the_api_holds_to_its_document_under_generated_requests(app, dialect, make_warehouse, role):
    if dialect != "sqlite":
        pytest.skip("the short run is SQLite only; bench/api_fuzz.py runs both databases")
    make_warehouse(code="WH")
    report = fuzz(app, tokens_for(app, roles=(role,)), examples=EXAMPLES, seed=SEED)
    assert report.operations >= 17
    assert report.examples >= report.operations
    assert report.failures == [], "\n\n".join(report.failures)
