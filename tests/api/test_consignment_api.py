"""Consignment statements and settlements through the API (issue 14, points
3 and 9); every answer checked against the OpenAPI document."""

import pytest

from portal.extensions import db
from tests.consignment import consignment_stock, day, days_ago, sell

HOSTILE = '=cmd|"/c calc"!A1<script>'


@pytest.fixture
def sales(app):
    with app.app_context():
        unit = consignment_stock(db.session, cost="100.00")
        unit("ON-HAND", unit_cost="55.25")
        sell(db.session, unit("S-1"), at=days_ago(6), order="SO-1")
        sell(db.session, unit("S-2", unit_cost="80.00"), at=days_ago(3), order="SO-2")
        db.session.commit()


def test_statement_settle_and_the_next_statement(app, api_as, sales):
    manager = api_as("manager")
    first = manager.get("/api/v1/consignment/CONS")
    assert first.status_code == 200, first.json
    assert first.json == {
        "supplier": "CONS", "from": None, "to": day(0).isoformat(), "on_hand": 1, "on_hand_value": "55.25",
        "sold": [
            {"serial": "S-1", "sku": first.json["sold"][0]["sku"], "sold_at": days_ago(6).isoformat() + "Z",
             "order_ref": "SO-1", "unit_cost": "100.00", "settled_in": None},
            {"serial": "S-2", "sku": first.json["sold"][1]["sku"], "sold_at": days_ago(3).isoformat() + "Z",
             "order_ref": "SO-2", "unit_cost": "80.00", "settled_in": None}],
        "owed": "180.00", "settled_until": None}
    made = manager.post("/api/v1/consignment/cons/settlements", json={"until": day(4).isoformat(),
                                                                      "reference": HOSTILE})
    assert made.status_code == 201, made.json
    assert {k: made.json[k] for k in ("supplier", "until", "reference", "amount", "units")} == {
        "supplier": "CONS", "until": day(4).isoformat(), "reference": HOSTILE, "amount": "100.00", "units": 1}
    after = manager.get("/api/v1/consignment/CONS").json
    assert (after["from"], after["settled_until"], after["owed"]) == (day(3).isoformat(), day(4).isoformat(),
                                                                      "80.00")
    assert [s["serial"] for s in after["sold"]] == ["S-2"]
    period = manager.get("/api/v1/consignment/CONS", query_string={"from": day(10).isoformat(),
                                                                    "to": day(1).isoformat()}).json
    assert [(s["serial"], s["settled_in"]) for s in period["sold"]] == [("S-1", HOSTILE), ("S-2", None)]
    for until in (day(4), day(5)):
        again = manager.post("/api/v1/consignment/CONS/settlements", json={"until": until.isoformat(),
                                                                           "reference": "R"})
        assert (again.status_code, again.json["error"]["code"]) == (409, "already_settled")


@pytest.mark.parametrize(("query", "field"), [({"from": "2026-1-1"}, "from"), ({"to": "31.12.2025"}, "to"),
                                              ({"to": "2999-01-01"}, "to")])
def test_days_in_the_wrong_format_are_refused_naming_the_field(api_as, sales, query, field):
    refused = api_as("manager").get("/api/v1/consignment/CONS", query_string=query)
    assert refused.status_code == 422 and refused.json["error"]["code"] == "invalid_date"
    assert refused.json["error"]["message"].startswith(field)


def test_settlement_refusals(api_as, sales):
    manager = api_as("manager")
    for body, status, code in [
        ({"until": day(0).isoformat(), "reference": "R"}, 422, "day_not_over"),
        ({"until": "tomorrow", "reference": "R"}, 422, "invalid_date"),
        ({"until": day(1).isoformat()}, 422, "field_required"),
        ({"until": day(1).isoformat(), "reference": "x" * 101}, 422, "invalid_reference"),
        ({"until": 20261201, "reference": "R"}, 422, "wrong_type"),
    ]:
        refused = manager.post("/api/v1/consignment/CONS/settlements", json=body)
        assert (refused.status_code, refused.json["error"]["code"]) == (status, code), body
    assert manager.get("/api/v1/consignment/NOPE").status_code == 404


def test_only_managers_read_statements_and_settle(api_as, sales):
    for role in ("receiver", "operator"):
        client = api_as(role)
        assert client.get("/api/v1/consignment/CONS").status_code == 403
        assert client.post("/api/v1/consignment/CONS/settlements",
                           json={"until": day(1).isoformat(), "reference": "R"}).status_code == 403
    assert api_as("admin").get("/api/v1/consignment/CONS").status_code == 200
