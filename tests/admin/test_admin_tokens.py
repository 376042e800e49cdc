"""API tokens on the admin page: issued for a user, shown once, stored hashed,
listed with prefix/name/user/created/last used/revoked, revoked."""

import hashlib
import re

import pytest

from portal.models import ApiToken
from tests.admin.conftest import HX

TOKEN = re.compile(r"sp_[A-Za-z0-9_-]{40,}")


def issue(admin, user_id, name="ERP sync", **kwargs):
    return admin.post("/admin/tokens", data={"user_id": user_id, "name": name}, **kwargs)


def test_a_token_is_shown_once_stored_hashed_and_works(client_as, make_user, fresh, client):
    erp = make_user(role="manager", username="erp")
    admin = client_as("admin")
    response = issue(admin, erp.id, headers=HX)
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    assert "tokens-changed" in response.headers["HX-Trigger"]
    text = response.get_data(as_text=True)
    assert "shown only this once" in text
    token = TOKEN.search(text).group(0)

    with fresh() as s:
        row = s.query(ApiToken).one()
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert row.prefix == token[:10] and row.user_id == erp.id and row.name == "ERP sync"
        assert token not in (row.token_hash, row.prefix)

    # it works on the API, as its user
    api = client.get("/api/v1/suppliers", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200

    # and it is never shown again: not on the page, not in the list
    page = admin.get("/admin/").get_data(as_text=True)
    listing = admin.get("/admin/tokens", headers=HX).get_data(as_text=True)
    for html in (page, listing):
        assert token not in html
        assert token[:10] in html and "ERP sync" in html and "erp" in html
    assert "never" not in listing.split(token[:10])[1].split("</tr>")[0]  # last used is shown


def test_plain_form_issue_shows_the_token_on_the_page_not_in_a_redirect(client_as, make_user):
    erp = make_user(role="operator")
    admin = client_as("admin")
    response = issue(admin, erp.id)
    assert response.status_code == 201
    text = response.get_data(as_text=True)
    assert "<h1>Admin</h1>" in text
    token = TOKEN.search(text).group(0)
    with admin.session_transaction() as session:
        assert token not in str(dict(session))


@pytest.mark.parametrize(
    "data,message",
    [
        ({"user_id": "0", "name": "x"}, "Choose the user the token is for."),
        ({"user_id": "999999", "name": "x"}, "Choose the user the token is for."),
        ({"user_id": "abc", "name": "x"}, "Invalid Choice"),
        ({"name": "x"}, ""),
        ({"user_id": "USER", "name": ""}, "Say what the token is for"),
        ({"user_id": "USER", "name": "n" * 101}, "Field cannot be longer than 100 characters."),
        ({"user_id": "DISABLED", "name": "x"}, "is disabled: enable the account first."),
    ],
)
def test_a_bad_token_request_is_422_with_the_form_and_saves_nothing(
    client_as, make_user, app, refused_form, data, message
):
    from portal.auth.services import update_user
    from portal.extensions import db
    from portal.models import User

    user = make_user(role="operator")
    disabled = make_user(role="operator")
    with app.app_context():
        update_user(db.session, db.session.get(User, disabled.id), active=False)
        db.session.commit()
    data = {k: {"USER": str(user.id), "DISABLED": str(disabled.id)}.get(v, v) for k, v in data.items()}
    text = refused_form(client_as("admin"), "/admin/tokens", data, "new-token", message)
    assert TOKEN.search(text) is None


def test_revoking_a_token_stops_it_at_once(client_as, make_user, client, fresh):
    erp = make_user(role="manager")
    admin = client_as("admin")
    token = TOKEN.search(issue(admin, erp.id, headers=HX).get_data(as_text=True)).group(0)
    with fresh() as s:
        token_id = s.query(ApiToken.id).scalar()
    response = admin.post(f"/admin/tokens/{token_id}/revoke", headers=HX)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert text.lstrip().startswith(f'<tr id="token-{token_id}"')
    assert "is revoked" in text and "revoked 20" in text
    with fresh() as s:
        assert s.query(ApiToken).one().revoked_at is not None
    refused = client.get("/api/v1/suppliers", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401 and refused.json["error"]["code"] == "revoked_token"
    # revoking again is harmless; an unknown token is 404
    assert admin.post(f"/admin/tokens/{token_id}/revoke").status_code == 303  # Post/Redirect/Get
    assert admin.post("/admin/tokens/999999/revoke", headers=HX).status_code == 404


def test_disabling_a_user_refuses_their_tokens_and_the_list_says_so(client_as, make_user, client):
    erp = make_user(role="manager", username="erp-bot")
    admin = client_as("admin")
    token = TOKEN.search(issue(admin, erp.id, headers=HX).get_data(as_text=True)).group(0)
    admin.post(f"/admin/users/{erp.id}/disable", headers=HX)
    refused = client.get("/api/v1/suppliers", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401 and refused.json["error"]["code"] == "user_disabled"
    assert "disabled: token refused" in admin.get("/admin/tokens", headers=HX).get_data(as_text=True)
    # the token form no longer offers the disabled user
    options = admin.get("/admin/tokens/users", headers=HX).get_data(as_text=True)
    assert "erp-bot" not in options
