"""The command line: create users and issue API tokens (the token alone on its
last line), over the same services as the admin page."""

from werkzeug.security import check_password_hash

from portal.models import ApiToken, User


def test_users_create_then_log_in(app, fresh):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "Quinn", "--role", "manager", "--password", "quinn-pass-1"])
    assert result.exit_code == 0, result.output
    assert "Created manager quinn." in result.output
    with fresh() as s:
        quinn = s.query(User).filter_by(username="quinn").one()
        assert quinn.role == "manager" and check_password_hash(quinn.password_hash, "quinn-pass-1")
    client = app.test_client()
    assert client.post("/login", data={"username": "quinn", "password": "quinn-pass-1"}).status_code == 302


def test_users_create_refuses_bad_input_and_saves_nothing(app, make_user, db_snapshot):
    make_user(role="operator", username="taken")
    runner = app.test_cli_runner()
    before = db_snapshot()
    for args, message in [
        (["taken", "--role", "operator", "--password", "long-enough-1"], "There is already a user called taken."),
        (["new", "--role", "operator", "--password", "short"], "at least 8 characters"),
        (["new", "--role", "emperor", "--password", "long-enough-1"], "Invalid value for '--role'"),
        (["bad name", "--role", "operator", "--password", "long-enough-1"], "A user name is 1 to 64"),
    ]:
        result = runner.invoke(args=["users", "create", *args])
        assert result.exit_code != 0, args
        assert message in result.output, result.output
    assert db_snapshot() == before


def test_tokens_create_prints_the_token_alone_on_its_last_line_and_it_works(app, make_user, fresh):
    make_user(role="admin", username="erp")
    result = app.test_cli_runner().invoke(args=["tokens", "create", "ERP", "--name", "nightly sync"])
    assert result.exit_code == 0, result.output
    token = result.output.rstrip("\n").splitlines()[-1]
    assert token.startswith("sp_") and " " not in token
    with fresh() as s:
        row = s.query(ApiToken).one()
        assert row.name == "nightly sync" and row.prefix == token[:10]

    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    created = client.post("/api/v1/suppliers", json={"code": "CLI", "name": "From the CLI"}, headers=headers)
    assert created.status_code == 201
    assert client.get("/api/v1/suppliers/CLI", headers=headers).json["name"] == "From the CLI"


def test_tokens_create_for_an_unknown_user_fails_cleanly(app, db_snapshot):
    before = db_snapshot()
    result = app.test_cli_runner().invoke(args=["tokens", "create", "ghost"])
    assert result.exit_code != 0
    assert "No user called ghost." in result.output
    assert db_snapshot() == before


def test_tokens_create_for_a_disabled_user_is_refused(app, make_user, db_snapshot):
    from portal.auth.services import update_user
    from portal.extensions import db

    user = make_user(role="manager", username="gone")
    with app.app_context():
        update_user(db.session, db.session.get(User, user.id), active=False)
        db.session.commit()
    before = db_snapshot()
    result = app.test_cli_runner().invoke(args=["tokens", "create", "gone"])
    assert result.exit_code != 0
    assert "gone is disabled" in result.output
    assert db_snapshot() == before
