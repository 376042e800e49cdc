"""Sessions end on the server (issue 11.3): a copied session cookie stops
working after logout, a password reset, a role change or disabling, and
after the idle time; activity keeps a session alive without a new cookie on
every request."""

from __future__ import annotations

import time

import pytest

from portal.auth.sessions import SEEN_KEY

HX = {"HX-Request": "true"}


def _copy_of(client, app):
    """Another browser holding a copy of ``client``'s session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    assert thief.get("/").status_code == 200
    return thief


def test_logout_ends_a_copied_cookie_too(client_as, app):
    user = client_as("operator")
    thief = _copy_of(user, app)
    assert user.post("/logout").status_code == 302
    assert thief.get("/").status_code == 302
    assert "/login" in thief.get("/").headers["Location"]


@pytest.mark.parametrize("path,data", [
    ("password", {"password": "brand-new-pass-1"}),
    ("role", {"role": "manager"}),
    ("disable", {}),
])
def test_an_admin_change_ends_every_session_of_the_user(client_as, app, path, data):
    user = client_as("operator")
    thief = _copy_of(user, app)
    admin = client_as("admin")
    assert admin.post(f"/admin/users/{user.user.id}/{path}", data=data, headers=HX).status_code == 200
    assert user.get("/").status_code == 302
    assert thief.get("/").status_code == 302
    assert admin.get("/").status_code == 200  # the admin's own session goes on


def test_a_failed_admin_change_ends_nothing(client_as, app):
    user = client_as("operator")
    admin = client_as("admin")
    refused = admin.post(f"/admin/users/{user.user.id}/password", data={"password": "short"}, headers=HX)
    assert refused.status_code == 422
    assert user.get("/").status_code == 200


def test_an_idle_session_ends_after_the_configured_hours(client_as, app):
    user = client_as("operator")
    idle = app.config["SESSION_IDLE_HOURS"] * 3600
    assert app.config["SESSION_IDLE_HOURS"] == 12
    with user.session_transaction() as sess:
        sess[SEEN_KEY] = int(time.time() - idle + 120)  # just inside
    assert user.get("/").status_code == 200
    with user.session_transaction() as sess:
        sess[SEEN_KEY] = int(time.time() - idle - 1)
    assert user.get("/").status_code == 302
    htmx = user.get("/catalog/", headers=HX)
    assert htmx.status_code == 401 and htmx.headers["HX-Redirect"].startswith("/login")


def test_activity_refreshes_the_session_at_most_once_a_minute(client_as):
    user = client_as("operator")
    assert "Set-Cookie" not in user.get("/").headers  # seen at login, less than a minute ago
    with user.session_transaction() as sess:
        sess[SEEN_KEY] = int(time.time() - 11 * 3600)  # active 11 hours ago
    refreshed = user.get("/")
    assert refreshed.status_code == 200 and "session=" in refreshed.headers["Set-Cookie"]
    with user.session_transaction() as sess:
        assert time.time() - sess[SEEN_KEY] < 60
    assert "Set-Cookie" not in user.get("/").headers


def test_a_cookie_without_a_session_epoch_is_refused(client_as):
    """A cookie signed before sessions carried an epoch (or a forged id)."""
    user = client_as("operator")
    for forged in (str(user.user.id), f"{user.user.id}:x", f"{user.user.id}:²", "1:0:0", ""):
        with user.session_transaction() as sess:
            sess["_user_id"] = forged
        assert user.get("/").status_code == 302, forged


def test_logging_in_again_after_logout_works(client_as, login):
    user = client_as("operator")
    user.post("/logout")
    login(user, user.user)
    assert user.get("/").status_code == 200
