"""Channels and their integration accounts: made by the CLI, scoped to the
channel endpoints, refused once the channel is inactive (issue 15 point 1)."""

from __future__ import annotations

from sqlalchemy import select

from portal.channels.services import update_channel
from portal.models import Channel, User


def test_the_cli_makes_a_channel_and_its_account_and_token(app, fresh):
    runner = app.test_cli_runner()
    made = runner.invoke(args=["channels", "create", "web", "--name", "Web shop", "--kind", "web"])
    assert made.exit_code == 0, made.output
    assert "Created channel WEB (web): Web shop." in made.output
    account = runner.invoke(args=["users", "create", "webshop", "--role", "channel", "--channel", "WEB",
                                  "--password", "long-enough-pw"])
    assert account.exit_code == 0, account.output
    token = runner.invoke(args=["tokens", "create", "webshop"])
    assert token.exit_code == 0 and "(channel)" in token.output
    with fresh() as s:
        user = s.scalar(select(User).where(User.username == "webshop"))
        assert user.role == "channel" and user.channel.code == "WEB"


def test_a_channel_account_needs_its_channel_and_no_one_else_has_one(app, fresh):
    runner = app.test_cli_runner()
    runner.invoke(args=["channels", "create", "POS1", "--name", "Counter", "--kind", "pos"])
    without = runner.invoke(args=["users", "create", "till", "--role", "channel", "--password", "long-enough-pw"])
    assert without.exit_code != 0 and "names its channel" in without.output
    unknown = runner.invoke(args=["users", "create", "till", "--role", "channel", "--channel", "NOPE",
                                  "--password", "long-enough-pw"])
    assert unknown.exit_code != 0 and "no channel NOPE" in unknown.output
    operator = runner.invoke(args=["users", "create", "op", "--role", "operator", "--channel", "POS1",
                                   "--password", "long-enough-pw"])
    assert operator.exit_code != 0 and "Only a channel account" in operator.output
    again = runner.invoke(args=["channels", "create", "pos1", "--name", "Again", "--kind", "pos"])
    assert again.exit_code != 0 and "already" in again.output
    with fresh() as s:
        assert s.scalar(select(User).where(User.username.in_(["till", "op"]))) is None
        assert s.scalars(select(Channel.code)).all() == ["POS1"]


def test_a_channel_token_is_refused_on_the_warehouse_endpoints(channel_api):
    api = channel_api("WEB")
    for path in ("/api/v1/products", "/api/v1/suppliers", "/api/v1/reports/stock-aging"):
        answer = api.get(path)
        assert answer.status_code == 403, path
        assert "channel endpoints" in answer.get_json()["error"]["message"]
    scan = api.post("/api/v1/scans", json={"task": "ship", "serial": "X", "client_scan_id": "c1"})
    assert scan.status_code == 403


def test_an_inactive_channels_tokens_are_refused(app, channel_api):
    api = channel_api("MKT")
    with app.app_context():
        from portal.extensions import db

        update_channel(db.session, db.session.scalar(select(Channel).where(Channel.code == "MKT")), active=False)
        db.session.commit()
    answer = api.get("/api/v1/products")
    assert answer.status_code == 401
    assert answer.get_json()["error"]["code"] == "channel_inactive"
