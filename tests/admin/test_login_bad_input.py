"""Bad log-ins change nothing but the failure record that throttles them
(the answers themselves are tested in tests/foundation/test_auth.py)."""

from portal.models import LoginThrottle, User


def test_a_disabled_user_with_the_right_password_changes_nothing(app, client, make_user, db_snapshot):
    from portal.auth.services import update_user
    from portal.extensions import db

    user = make_user(role="admin")
    with app.app_context():
        update_user(db.session, db.session.get(User, user.id), active=False)
        db.session.commit()
    before = db_snapshot()
    response = client.post("/login", data={"username": user.username, "password": "correct-horse-1"})
    assert response.status_code == 401
    assert db_snapshot() == before  # no last_login_at, no failure: the password was right
    assert client.get("/admin/").status_code == 302


def test_a_wrong_password_or_unknown_user_records_only_the_failure(client, make_user, db_snapshot, fresh):
    user = make_user(role="admin")
    before = db_snapshot()
    for name in (user.username, "ghost"):
        assert client.post("/login", data={"username": name, "password": "wrong-wrong"}).status_code == 401
    after = db_snapshot()
    before.pop("login_throttles"), after.pop("login_throttles")
    assert after == before
    with fresh() as s:
        counted = {(t.scope, t.key): t.attempts for t in s.query(LoginThrottle)}
    assert counted == {("user", user.username): 1, ("user", "ghost"): 1, ("address", "127.0.0.1"): 2}


def test_a_forged_csrf_login_changes_nothing(client, make_user, db_snapshot):
    user = make_user(role="admin")
    before = db_snapshot()
    response = client.post("/login", data={"username": user.username, "password": "correct-horse-1"},
                           headers={"X-CSRFToken": "forged"})
    assert response.status_code == 400
    assert db_snapshot() == before
