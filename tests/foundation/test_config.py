import pytest

from portal import ConfigurationError, create_app


def test_refuses_to_start_without_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("PORTAL_SECRET_KEY", raising=False)
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path))
    with pytest.raises(ConfigurationError, match="PORTAL_SECRET_KEY"):
        create_app()


def test_environment_overrides_instance_config(monkeypatch, tmp_path):
    (tmp_path / "config.py").write_text("MAX_UPLOAD_MB = 7\nBIN_LABEL_PREFIX = 'LOC:'\n")
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("PORTAL_SECRET_KEY", "s3cret-from-env")
    monkeypatch.setenv("PORTAL_MAX_UPLOAD_MB", "3")
    app = create_app()
    assert app.config["MAX_UPLOAD_MB"] == 3  # environment wins over instance/config.py
    assert app.config["BIN_LABEL_PREFIX"] == "LOC:"  # instance/config.py wins over defaults
    assert app.config["SECRET_KEY"] == "s3cret-from-env"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'portal.sqlite3'}"


def test_sqlite_runs_in_wal_mode_with_foreign_keys(monkeypatch, tmp_path):
    from sqlalchemy import text

    from portal.extensions import db

    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path))
    app = create_app({"SECRET_KEY": "x"})
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        db.session.remove()
        db.engine.dispose()


def test_hardening_settings_come_from_the_environment(monkeypatch, tmp_path):
    from portal.extensions import db

    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("PORTAL_SESSION_IDLE_HOURS", "8")
    monkeypatch.setenv("PORTAL_LOGIN_ADDRESS_MAX_FAILURES", "300")
    app = create_app({"SECRET_KEY": "x"})
    assert app.config["SESSION_IDLE_HOURS"] == 8
    assert app.config["LOGIN_ADDRESS_MAX_FAILURES"] == 300
    assert app.config["PROXY_COUNT"] == 0  # X-Forwarded-For is not believed unless told
    assert app.wsgi_app.__class__.__name__ != "ProxyFix"
    with app.app_context():
        assert db.engine.pool._pre_ping is True  # connections are checked before reuse
        db.engine.dispose()
    monkeypatch.setenv("PORTAL_PROXY_COUNT", "1")
    assert create_app({"SECRET_KEY": "x"}).wsgi_app.__class__.__name__ == "ProxyFix"
