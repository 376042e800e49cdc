"""GET /api/v1/serials/<serial>?at= and GET /api/v1/warehouses/<code>/bins/<bin>/items?at=
(issue 14.7 and 14.9): the item, and a bin's items, as they were at a moment."""

from __future__ import annotations

import pytest

from portal.extensions import db
from tests.items.test_as_of import write_story


@pytest.fixture
def story(app):
    with app.app_context():
        written = write_story(db.session)
        db.session.commit()
        return written


@pytest.mark.parametrize("at", ["2026-03-03T10:00:00Z", "2026-03-03T12:00:00+02:00", "2026-03-03T10:00:00",
                                "2026-03-03T05:00:00-05:00"])
def test_a_serial_as_it_was(api_as, story, at):
    response = api_as("operator").get("/api/v1/serials/STORY-01", query_string={"at": at})
    assert response.status_code == 200, response.json
    body = response.json
    assert body["at"] == "2026-03-03T10:00:00Z"
    assert (body["status"], body["warehouse"], body["bin"], body["condition"], body["ownership"]) == (
        "in_stock", "WH-A", "A-01", "sample", "owned")
    assert body["serial"] == "STORY-01" and body["serial_then"] == "STORY-O1" and body["sku"] == "SKU-STORY"


def test_an_unencoded_plus_offset_still_reads(api_as, story):
    response = api_as("operator").get("/api/v1/serials/STORY-01?at=2026-03-03T12:00:00+02:00")
    assert response.status_code == 200 and response.json["at"] == "2026-03-03T10:00:00Z"


def test_a_former_serial_at_a_moment_finds_the_item(api_as, story):
    body = api_as("operator").get("/api/v1/serials/STORY-O1", query_string={"at": "2026-03-08"}).json
    assert body["status"] == "sold" and body["bin"] is None and body["ownership"] == "consignment"


def test_before_the_item_existed_is_404_with_its_code(api_as, story):
    response = api_as("operator").get("/api/v1/serials/STORY-01", query_string={"at": "2026-02-28T23:59:59Z"})
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_yet_existing"
    assert "did not exist yet" in response.json["error"]["message"]


def test_without_at_the_item_is_as_now(api_as, story):
    body = api_as("operator").get("/api/v1/serials/STORY-01").json
    assert body["status"] == "sold" and body["former_serials"] == ["STORY-O1"] and "movements" in body


@pytest.mark.parametrize("at", ["yesterday", "2026-13-01", "1700000000", "2026-03-03T10:00:00Zjunk", ""])
def test_a_malformed_at_is_422_naming_the_field(api_as, story, at):
    for path in ("/api/v1/serials/STORY-01", "/api/v1/warehouses/WH-A/bins/A-01/items"):
        response = api_as("operator").get(path, query_string={"at": at})
        if at == "":
            assert response.status_code in (200, 422)
            continue
        assert response.status_code == 422, (path, response.json)
        assert response.json["error"]["code"] == "invalid_time"
        assert "at" in response.json["error"]["details"]["fields"]


def test_a_bins_items_at_a_moment(api_as, story):
    body = api_as("operator").get("/api/v1/warehouses/wh-a/bins/a-01/items",
                                  query_string={"at": "2026-03-03T10:00:00Z"}).json
    assert body["warehouse"] == "WH-A" and body["bin"] == "A-01" and body["at"] == "2026-03-03T10:00:00Z"
    assert [(i["serial"], i["serial_then"], i["condition"]) for i in body["items"]] == [
        ("STORY-01", "STORY-O1", "sample"), ("STORY-02", "STORY-02", "regular")]
    assert body["next_after"] is None


def test_a_bins_items_now_and_paged(api_as, story):
    client = api_as("operator")
    now = client.get("/api/v1/warehouses/WH-A/bins/A-01/items").json
    assert [i["serial"] for i in now["items"]] == ["STORY-02"]
    first = client.get("/api/v1/warehouses/WH-A/bins/A-01/items",
                       query_string={"at": "2026-03-03", "limit": 1}).json
    assert [i["serial"] for i in first["items"]] == ["STORY-01"] and first["next_after"] == "STORY-01"
    second = client.get("/api/v1/warehouses/WH-A/bins/A-01/items",
                        query_string={"at": "2026-03-03", "limit": 1, "after": first["next_after"]}).json
    assert [i["serial"] for i in second["items"]] == ["STORY-02"] and second["next_after"] is None


def test_before_anything_arrived_a_bin_is_empty(api_as, story):
    body = api_as("operator").get("/api/v1/warehouses/WH-B/bins/B-01/items", query_string={"at": "2026-03-01"}).json
    assert body["items"] == []


@pytest.mark.parametrize(("path", "words"), [("/api/v1/warehouses/NOPE/bins/A-01/items", "No warehouse"),
                                             ("/api/v1/warehouses/WH-A/bins/Z-9/items", "has no bin")])
def test_an_unknown_warehouse_or_bin_is_404(api_as, story, path, words):
    response = api_as("operator").get(path)
    assert response.status_code == 404 and words in response.json["error"]["message"]
