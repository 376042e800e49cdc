"""A signed-in user changes their own password (issue 11.3 names "a password change"):
``/account/password``, linked from every page's navigation. It ends every other session of
the user (a copied cookie stops working) and keeps this one; a wrong current password
changes nothing and is throttled like a log-in."""

from __future__ import annotations

from html import unescape

import pytest
from sqlalchemy import select

from portal.models import LoginThrottle, ThrottleScope, User
from tests.platform.test_sessions import _copy_of  # another browser holding a copy of the cookie

RIGHT = "correct-horse-1"  # noqa: S105 - the factories' test password
NEW = "battery-staple-2"  # noqa: S105
HX = {"HX-Request": "true"}


def _change(client, current=RIGHT, new=NEW, again=None, **kwargs):
    return client.post("/account/password", data={"current_password": current, "new_password": new,
                                                  "new_password_again": new if again is None else again}, **kwargs)


def _hash(fresh, user_id: int) -> str:
    with fresh() as s:
        return s.get(User, user_id).password_hash


@pytest.mark.parametrize("role", ["operator", "admin"])
def test_the_password_page_is_linked_from_the_navigation_for_every_role(client_as, role):
    user = client_as(role)
    assert 'href="/account/password"' in user.get("/").get_data(as_text=True)
    page = user.get("/account/password").get_data(as_text=True)
    for field in ("current_password", "new_password", "new_password_again"):
        assert f'name="{field}"' in page
    assert 'name="csrf_token"' in page and 'autocomplete="current-password"' in page


def test_a_password_change_ends_every_other_session_and_keeps_this_one(client_as, app, client, login, fresh):
    user = client_as("operator")
    other = _copy_of(user, app)  # e.g. the handheld, or a cookie someone copied
    changed = _change(user)
    assert changed.status_code == 303 and changed.headers["Location"] == "/"
    assert user.get("/").status_code == 200  # this session goes on (its cookie issued again)
    assert other.get("/").status_code == 302 and "/login" in other.get("/").headers["Location"]
    # the old password no longer logs in; the new one does
    assert client.post("/login", data={"username": user.user.username, "password": RIGHT}).status_code == 401
    login(client, user.user, password=NEW)


def test_the_change_is_confirmed_on_the_next_page(client_as):
    user = client_as("receiver")
    followed = _change(user, follow_redirects=True)
    assert followed.status_code == 200
    assert "Every other session of yours has ended" in unescape(followed.get_data(as_text=True))


def test_a_wrong_current_password_changes_nothing_and_counts_as_a_failed_log_in(client_as, app, fresh):
    user = client_as("operator")
    other = _copy_of(user, app)
    before = _hash(fresh, user.user.id)
    refused = _change(user, current="not-my-password")
    assert refused.status_code == 422
    assert "current password is not right" in unescape(refused.get_data(as_text=True))
    assert _hash(fresh, user.user.id) == before
    assert user.get("/").status_code == 200 and other.get("/").status_code == 200  # no session ended
    with fresh() as s:
        row = s.scalars(select(LoginThrottle).where(LoginThrottle.scope == ThrottleScope.USER,
                                                    LoginThrottle.key == user.user.username)).one()
        assert row.attempts == 1


def test_wrong_current_passwords_are_throttled_like_log_ins(client_as, app, fresh):
    user = client_as("operator")
    before = _hash(fresh, user.user.id)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert _change(user, current="guess-guess").status_code == 422
    held = _change(user, current="guess-again")
    assert held.status_code == 429 and int(held.headers["Retry-After"]) > 0
    assert "Try again in" in held.get_data(as_text=True)
    right_but_held = _change(user)  # even the right one waits: a guesser learns nothing
    assert right_but_held.status_code == 429
    assert _hash(fresh, user.user.id) == before


@pytest.mark.parametrize("new,again,says", [
    ("short", None, "A password needs 8 to 200 characters."),
    (NEW, "battery-staple-3", "The two new passwords are not the same."),
    ("", None, "Type the new password."),
])
def test_a_new_password_that_breaks_the_rules_changes_nothing(client_as, app, fresh, new, again, says):
    user = client_as("manager")
    other = _copy_of(user, app)
    before = _hash(fresh, user.user.id)
    refused = _change(user, new=new, again=again, headers=HX)
    assert refused.status_code == 422
    text = unescape(refused.get_data(as_text=True))
    assert says in text and "<html" not in text  # the form fragment for HTMX
    assert _hash(fresh, user.user.id) == before and other.get("/").status_code == 200
    with fresh() as s:
        assert s.scalars(select(LoginThrottle)).all() == []  # no attempt was counted


def test_without_the_csrf_token_nothing_changes(client_as, fresh):
    user = client_as("operator")
    before = _hash(fresh, user.user.id)
    assert _change(user, csrf=False).status_code == 400
    assert _hash(fresh, user.user.id) == before


def test_the_password_page_needs_a_log_in(client):
    assert client.get("/account/password").status_code == 302
