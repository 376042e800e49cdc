"""POST /api/v1/serials/<serial>/correction (issue 14.6 and 14.9): a manager
corrects a serial; GET /serials/<old> then answers the same item, with
former_serials; a collision is a 409; other roles a 403."""

from __future__ import annotations

import pytest

from portal.models import ItemStatus


def test_a_manager_corrects_a_serial_and_the_old_one_still_answers(api_as, make_item):
    make_item(serial="API-0LD")
    manager = api_as("manager")
    response = manager.post("/api/v1/serials/api-0ld/correction", json={"serial": "API-OLD", "note": "zero for O"})
    assert response.status_code == 200, response.json
    body = response.json
    assert body["serial"] == "API-OLD" and body["former_serials"] == ["API-0LD"]
    corrected = body["movements"][-1]
    assert corrected["kind"] == "serial_corrected" and corrected["note"] == "API-0LD → API-OLD: zero for O"
    assert corrected["from_status"] == corrected["to_status"] == "in_stock"
    assert corrected["by"] == manager.user.username

    again = api_as("operator").get("/api/v1/serials/API-0LD")
    assert again.status_code == 200
    assert again.json["serial"] == "API-OLD" and again.json["former_serials"] == ["API-0LD"]
    assert again.json["movements"] == body["movements"]


def test_former_serials_is_always_there(api_as, make_item):
    make_item(serial="NEVER-1")
    assert api_as("operator").get("/api/v1/serials/NEVER-1").json["former_serials"] == []


@pytest.mark.parametrize(("setup", "new", "code"), [
    (["TAKEN-1"], "taken-1", "serial_taken"),
    ([], "MINE-1", "serial_unchanged"),
])
def test_a_collision_is_409(api_as, make_item, setup, new, code):
    for serial in setup:
        make_item(serial=serial)
    make_item(serial="MINE-1")
    response = api_as("manager").post("/api/v1/serials/MINE-1/correction", json={"serial": new})
    assert response.status_code == 409
    assert response.json["error"]["code"] == code
    assert api_as("operator").get("/api/v1/serials/MINE-1").json["former_serials"] == []


def test_another_items_former_serial_is_409(api_as, make_item):
    make_item(serial="FORMER-A")
    make_item(serial="OTHER-B")
    manager = api_as("manager")
    assert manager.post("/api/v1/serials/FORMER-A/correction", json={"serial": "FORMER-A2"}).status_code == 200
    response = manager.post("/api/v1/serials/OTHER-B/correction", json={"serial": "former-a"})
    assert response.status_code == 409 and response.json["error"]["code"] == "serial_formerly_taken"


@pytest.mark.parametrize("role", ["operator", "receiver"])
def test_only_managers_correct(api_as, make_item, role):
    make_item(serial="ROLE-1")
    response = api_as(role).post("/api/v1/serials/ROLE-1/correction", json={"serial": "ROLE-2"})
    assert response.status_code == 403
    assert api_as("operator").get("/api/v1/serials/ROLE-1").json["serial"] == "ROLE-1"


@pytest.mark.parametrize(("body", "code", "field"), [
    ({}, "field_required", "serial"),
    ({"serial": 12345}, "wrong_type", "serial"),
    ({"serial": "HAS SPACE"}, "bad_characters", "serial"),
    ({"serial": "X" * 65}, "too_long", "serial"),
    ({"serial": "n/a"}, "placeholder", "serial"),
    ({"serial": "OK-1", "note": "x" * 2001}, "invalid_note", None),
])
def test_a_bad_body_is_422_naming_the_field(api_as, make_item, body, code, field):
    make_item(serial="BAD-1")
    response = api_as("manager").post("/api/v1/serials/BAD-1/correction", json=body)
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == code
    if field:
        assert field in response.json["error"]["details"]["fields"]


def test_an_unknown_serial_is_404(api_as):
    response = api_as("manager").post("/api/v1/serials/NOPE-9/correction", json={"serial": "NOPE-10"})
    assert response.status_code == 404


def test_a_hostile_note_comes_back_as_typed(api_as, make_item):
    make_item(serial="EVIL-1", status=ItemStatus.SOLD)
    hostile = "<img src=x onerror=alert(1)> =cmd|' /C calc'!A0"
    body = api_as("manager").post("/api/v1/serials/EVIL-1/correction",
                                  json={"serial": "EVIL-2", "note": hostile}).json
    assert body["movements"][-1]["note"] == f"EVIL-1 → EVIL-2: {hostile}"
    assert body["status"] == "sold"  # any status can be corrected; it stays as it is


def test_the_warranty_look_up_finds_a_former_serial_too(api_as, make_item):
    make_item(serial="WAR-1")
    api_as("manager").post("/api/v1/serials/WAR-1/correction", json={"serial": "WAR-2"})
    response = api_as("operator").get("/api/v1/serials/WAR-1/warranty")
    assert response.status_code == 200 and response.json["serial"] == "WAR-2"


def test_the_document_declares_the_correction(app):
    from portal.api.openapi import build_document

    with app.test_request_context():
        document = build_document(app)
    operation = document["paths"]["/serials/{serial}/correction"]["post"]
    assert set(operation["responses"]) >= {"200", "403", "404", "409", "422"}
    assert "former_serials" in document["components"]["schemas"]["ItemOut"]["required"]
