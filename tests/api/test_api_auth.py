"""Tokens on the API: missing, malformed, unknown, revoked, of a disabled user
(each a clear 401 that changes nothing), and last-use bookkeeping."""

from datetime import timedelta

import pytest

from portal.auth.services import revoke_token, update_user
from portal.extensions import db
from portal.models import ApiToken, User, utcnow

NEW_SUPPLIER = {"code": "NEW", "name": "New supplier"}


@pytest.mark.parametrize(
    "header,code",
    [
        (None, "unauthorized"),
        ("", "unauthorized"),
        ("Bearer", "unauthorized"),
        ("Bearer    ", "unauthorized"),
        ("Basic dXNlcjpwYXNz", "unauthorized"),
        ("Bearer not-a-token", "invalid_token"),
        ("Bearer sp_" + "A" * 43, "invalid_token"),
        ("Bearer sp_" + "x" * 500, "invalid_token"),
        ("Bearer sp_<script>'; DROP TABLE users; --", "invalid_token"),
    ],
)
def test_missing_or_malformed_tokens_get_401_and_change_nothing(client, make_user, db_snapshot, header, code):
    make_user(role="admin")
    before = db_snapshot()
    headers = {"Authorization": header} if header is not None else {}
    for response in (client.get("/api/v1/suppliers", headers=headers),
                     client.post("/api/v1/suppliers", json=NEW_SUPPLIER, headers=headers)):
        assert response.status_code == 401
        assert response.json["error"]["code"] == code
        assert response.json["error"]["message"]
    assert db_snapshot() == before


def assert_a_new_supplier_is_refused(client, db_snapshot, code: str, words: str) -> None:
    """POSTing a supplier is 401 with ``code`` and ``words`` in the message, and saves nothing."""
    before = db_snapshot()
    response = client.post("/api/v1/suppliers", json=NEW_SUPPLIER)
    assert response.status_code == 401
    assert response.json["error"]["code"] == code
    assert words in response.json["error"]["message"]
    assert db_snapshot() == before


def test_a_revoked_token_gets_401_and_changes_nothing(app, api_as, db_snapshot):
    admin = api_as("admin")
    assert admin.get("/api/v1/suppliers").status_code == 200
    with app.app_context():
        token_id = db.session.query(ApiToken.id).scalar()
        revoke_token(db.session, token_id=token_id)
        db.session.commit()
    assert_a_new_supplier_is_refused(admin, db_snapshot, "revoked_token", "was revoked")
    assert admin.get("/api/v1/suppliers").status_code == 401


def test_a_token_of_a_disabled_user_gets_401_and_changes_nothing(app, api_as, db_snapshot):
    admin = api_as("admin")
    with app.app_context():
        update_user(db.session, db.session.get(User, admin.user.id), active=False)
        db.session.commit()
    assert_a_new_supplier_is_refused(admin, db_snapshot, "user_disabled", "is disabled")


def test_the_openapi_document_needs_no_token(client):
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_last_use_is_recorded_at_most_once_a_minute(app, api_as, fresh):
    client = api_as("operator")
    with fresh() as s:
        assert s.query(ApiToken).one().last_used_at is None
    assert client.get("/api/v1/suppliers").status_code == 200
    with fresh() as s:
        first = s.query(ApiToken).one().last_used_at
    assert first is not None and utcnow() - first < timedelta(seconds=10)

    client.get("/api/v1/suppliers")
    with fresh() as s:
        assert s.query(ApiToken).one().last_used_at == first  # within the minute: not written again

    with app.app_context():  # a minute later it is written again
        db.session.query(ApiToken).update({"last_used_at": first - timedelta(minutes=2)})
        db.session.commit()
    client.get("/api/v1/suppliers/NOPE")  # even a 404 is a use of the token
    with fresh() as s:
        assert s.query(ApiToken).one().last_used_at > first - timedelta(minutes=1)


def test_a_failed_write_still_records_the_use_but_nothing_else(api_as, fresh, db_snapshot):
    client = api_as("operator")
    before = db_snapshot(ignore={"api_tokens": {"last_used_at"}})
    assert client.post("/api/v1/suppliers", json=NEW_SUPPLIER).status_code == 403
    assert db_snapshot(ignore={"api_tokens": {"last_used_at"}}) == before
    with fresh() as s:
        assert s.query(ApiToken).one().last_used_at is not None


def test_a_browser_session_is_not_an_api_token(client_as):
    client = client_as("admin")
    response = client.post("/api/v1/suppliers", json=NEW_SUPPLIER)
    assert response.status_code == 401
