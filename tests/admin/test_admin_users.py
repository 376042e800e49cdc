"""The admin page: add, disable/enable, re-role users, reset passwords;
inline validation; no admin can lock the admins out; bad input changes nothing."""

import pytest
from werkzeug.security import check_password_hash

from portal.models import LoginThrottle, User
from tests.admin.conftest import HX


class Row:
    def __init__(self, user: User):
        self.role, self.active, self.password_hash = user.role, user.active, user.password_hash


def user_row(fresh, username):
    with fresh() as s:
        return Row(s.query(User).filter_by(username=username).one())


def admin_posts(target, *, username: str, token_name: str) -> list[tuple[str, dict]]:
    """A POST to each admin form that gives something away: a new admin called ``username``, the admin role,
    disabling and a new password for ``target``, a token called ``token_name`` in ``target``'s name."""
    return [
        ("/admin/users", {"username": username, "role": "admin", "password": "long-enough-1"}),
        (f"/admin/users/{target.id}/role", {"role": "admin"}),
        (f"/admin/users/{target.id}/disable", {}),
        (f"/admin/users/{target.id}/password", {"password": "long-enough-1"}),
        ("/admin/tokens", {"user_id": target.id, "name": token_name}),
    ]


def test_the_admin_page_lists_users_and_tokens(client_as, make_user):
    make_user(role="receiver", username="rita")
    admin = client_as("admin")
    page = admin.get("/admin/").get_data(as_text=True)
    assert "rita" in page and "Add a user" in page and "Issue a token" in page
    assert "No API tokens yet." in page
    assert "style=" not in page and "<script>" not in page


@pytest.mark.parametrize("role,status", [("operator", 403), ("receiver", 403), ("manager", 403)])
def test_the_admin_page_is_above_other_roles_and_changes_nothing(client_as, make_user, db_snapshot, role, status):
    target = make_user(role="operator")
    client = client_as(role)
    before = db_snapshot()
    assert client.get("/admin/").status_code == status
    for path, data in admin_posts(target, username="sneaky", token_name="mine now"):
        response = client.post(path, data=data)
        assert response.status_code == 403, path
        assert "Your role does not give access" in response.get_data(as_text=True)
    assert db_snapshot() == before


def test_anonymous_posts_go_to_login_and_change_nothing(client, make_user, db_snapshot):
    target = make_user(role="operator")
    before = db_snapshot()
    response = client.post(f"/admin/users/{target.id}/role", data={"role": "admin"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert db_snapshot() == before


def test_admin_adds_a_user_who_can_then_log_in(client_as, fresh, app):
    admin = client_as("admin")
    response = admin.post("/admin/users", data={"username": " Nina ", "role": "receiver",
                                                "password": "nina-pass-1"})
    assert response.status_code == 303
    assert "Added receiver nina." in admin.get("/admin/").get_data(as_text=True)
    nina = user_row(fresh, "nina")
    assert nina.role == "receiver" and nina.active
    assert check_password_hash(nina.password_hash, "nina-pass-1")
    other = app.test_client()
    assert other.post("/login", data={"username": "nina", "password": "nina-pass-1"}).status_code == 302


def test_htmx_add_answers_a_fresh_form_and_tells_the_list(client_as):
    admin = client_as("admin")
    response = admin.post("/admin/users", data={"username": "olga", "role": "operator",
                                                "password": "olga-pass-1"}, headers=HX)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert text.lstrip().startswith('<form id="new-user"')
    assert "Added operator olga." in text
    assert "user-added" in response.headers["HX-Trigger"]
    assert "olga" in admin.get("/admin/users", headers=HX).get_data(as_text=True)


@pytest.mark.parametrize(
    "data,message",
    [
        ({"username": "", "role": "operator", "password": "long-enough-1"}, "Type a user name."),
        ({"username": "bad name!", "role": "operator", "password": "long-enough-1"}, "A user name is 1 to 64"),
        ({"username": "ok", "role": "operator", "password": "short"}, "A password needs 8 to 200"),
        ({"username": "ok", "role": "emperor", "password": "long-enough-1"}, "Not a valid choice"),
        ({"username": "taken", "role": "operator", "password": "long-enough-1"}, "already a user called taken."),
        ({"username": "<script>x</script>", "role": "operator", "password": "long-enough-1"}, "A user name is 1 to 64"),
    ],
)
def test_a_bad_new_user_is_422_with_the_form_and_saves_nothing(client_as, make_user, db_snapshot, refused_form,
                                                                data, message):
    make_user(role="operator", username="taken")
    admin = client_as("admin")
    before = db_snapshot()
    text = refused_form(admin, "/admin/users", data, "new-user", message)
    assert "<script>x</script>" not in text
    plain = admin.post("/admin/users", data=data)  # without HTMX: the whole page, 422
    assert plain.status_code == 422 and "<h1>Admin</h1>" in plain.get_data(as_text=True)
    assert db_snapshot() == before


@pytest.mark.parametrize(
    "typed,expected",
    [("taken", "There is already a user called taken."), ("NEW.one", "new.one is free."),
     ("bad name", "A user name is 1 to 64"), ("", "")],
)
def test_inline_username_check(client_as, make_user, typed, expected):
    make_user(role="operator", username="taken")
    response = client_as("admin").get("/admin/users/check", query_string={"username": typed}, headers=HX)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert 'id="username-check"' in text and expected in text


def test_admin_re_roles_disables_and_enables_a_user(client_as, make_user, fresh, app):
    bob = make_user(role="operator", username="bob")
    admin = client_as("admin")
    response = admin.post(f"/admin/users/{bob.id}/role", data={"role": "manager"}, headers=HX)
    assert response.status_code == 200
    assert "bob is now manager." in response.get_data(as_text=True)
    assert response.get_data(as_text=True).lstrip().startswith(f'<tr id="user-{bob.id}"')
    assert user_row(fresh, "bob").role == "manager"

    bob_client = app.test_client()
    bob_client.post("/login", data={"username": "bob", "password": "correct-horse-1"})
    assert bob_client.get("/reports/").status_code == 200

    assert admin.post(f"/admin/users/{bob.id}/disable", headers=HX).status_code == 200
    assert user_row(fresh, "bob").active is False
    assert bob_client.get("/reports/").status_code == 302  # logged out at once
    assert admin.post(f"/admin/users/{bob.id}/enable").status_code == 303  # plain form: back to the page
    assert user_row(fresh, "bob").active is True


def test_admin_resets_a_password_and_clears_the_throttle(client_as, make_user, fresh, app):
    carl = make_user(role="operator", username="carl")
    admin = client_as("admin")
    stranger = app.test_client()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        stranger.post("/login", data={"username": "carl", "password": "guess-guess"})
    assert stranger.post("/login", data={"username": "carl", "password": "correct-horse-1"}).status_code == 429
    response = admin.post(f"/admin/users/{carl.id}/password", data={"password": "carl-new-pass"}, headers=HX)
    assert response.status_code == 200
    assert "New password set for carl" in response.get_data(as_text=True)
    with fresh() as s:
        assert s.query(LoginThrottle).filter_by(scope="user", key="carl").count() == 0
    assert stranger.post("/login", data={"username": "carl", "password": "carl-new-pass"}).status_code == 302


@pytest.mark.parametrize("password,message", [("short", "at least 8"), ("", "Type the new password.")])
def test_a_bad_password_reset_is_refused_in_the_row(client_as, make_user, db_snapshot, password, message):
    dora = make_user(role="operator")
    admin = client_as("admin")
    before = db_snapshot()
    response = admin.post(f"/admin/users/{dora.id}/password", data={"password": password}, headers=HX)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert text.lstrip().startswith(f'<tr id="user-{dora.id}"') and message in text
    assert db_snapshot() == before


def test_an_unknown_role_or_user_is_refused(client_as, make_user, db_snapshot):
    eve = make_user(role="operator")
    admin = client_as("admin")
    before = db_snapshot()
    assert admin.post(f"/admin/users/{eve.id}/role", data={"role": "emperor"}, headers=HX).status_code == 422
    assert admin.post("/admin/users/999999/role", data={"role": "admin"}, headers=HX).status_code == 404
    assert db_snapshot() == before


# --- no lock-out ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "path,data,message",
    [
        ("disable", {}, "You cannot disable your own account"),
        ("role", {"role": "manager"}, "You cannot take the admin role from yourself"),
    ],
)
def test_an_admin_cannot_lock_themselves_out(client_as, make_user, db_snapshot, path, data, message):
    make_user(role="admin")  # another admin exists: still refused
    admin = client_as("admin")
    before = db_snapshot()
    response = admin.post(f"/admin/users/{admin.user.id}/{path}", data=data, headers=HX)
    assert response.status_code == 409
    assert message in response.get_data(as_text=True)
    plain = admin.post(f"/admin/users/{admin.user.id}/{path}", data=data)
    assert plain.status_code == 409 and message in plain.get_data(as_text=True)
    assert db_snapshot() == before
    assert admin.get("/admin/").status_code == 200


def test_the_last_active_admin_stays_one(app, client_as, make_user, db_snapshot):
    """Two admins; one is disabled by the other, who then cannot be de-roled by anyone."""
    admin = client_as("admin")
    other = make_user(role="admin", username="other-admin")
    assert admin.post(f"/admin/users/{other.id}/disable").status_code == 303
    from portal.auth.services import WouldLockOut, change_user
    from portal.extensions import db

    with app.app_context():
        before = db_snapshot()
        with pytest.raises(WouldLockOut, match="last active admin"):
            change_user(db.session, actor=db.session.get(User, other.id), user_id=admin.user.id, role="operator")
        db.session.rollback()
    assert db_snapshot() == before


# --- forged CSRF -----------------------------------------------------------------------


@pytest.mark.parametrize("forge", ["missing", "forged"])
def test_admin_forms_refuse_a_forged_csrf_token(client_as, make_user, db_snapshot, forge):
    target = make_user(role="operator")
    admin = client_as("admin")
    before = db_snapshot()
    kwargs = {"csrf": False} if forge == "missing" else {"headers": {"X-CSRFToken": "forged-token"}}
    for path, data in admin_posts(target, username="mallory", token_name="stolen") + [("/admin/tokens/1/revoke", {})]:
        response = admin.post(path, data=data, **kwargs)
        assert response.status_code == 400, path
        assert "Reload the page" in response.get_data(as_text=True)
    assert db_snapshot() == before
