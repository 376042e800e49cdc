"""The database going away is a 503 with Retry-After, never a 500, and the
portal recovers by itself when it is back (issue 11.6). The restart test runs
a private PostgreSQL cluster on its own port; the shared one is never touched."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest

from portal import create_app
from tests.conftest import PortalClient

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _app(url: str, tmp_path: Path, **extra):
    app = create_app({"TESTING": True, "SECRET_KEY": "down-test", "DATABASE_URL": url, **extra})
    app.test_client_class = PortalClient
    return app


def _assert_unavailable(response, *, json: bool):
    assert response.status_code == 503, response.get_data(as_text=True)[:500]
    assert int(response.headers["Retry-After"]) > 0
    assert response.headers["X-Portal-Error"] == "database_unavailable"
    if json:
        assert response.json["error"]["code"] == "database_unavailable"
    else:
        assert "database cannot be reached" in response.get_data(as_text=True)


def test_connections_are_checked_before_reuse(app):
    with app.app_context():
        from portal.extensions import db

        assert db.engine.pool._pre_ping is True


def test_an_unreachable_database_is_503_with_retry_after_everywhere(tmp_path):
    """The database at a closed port: the "down" case without stopping anything."""
    url = f"postgresql+psycopg://postgres@127.0.0.1:{_free_port()}/portal?connect_timeout=2"
    app = _app(url, tmp_path)
    client = app.test_client()
    api = client.get("/api/v1/suppliers", headers={"Authorization": "Bearer sp_" + "x" * 40})
    _assert_unavailable(api, json=True)
    login = client.post("/login", data={"username": "manager", "password": "whatever-1"})
    _assert_unavailable(login, json=False)
    htmx = client.post("/login", data={"username": "manager", "password": "whatever-1"},
                       headers={"HX-Request": "true"})
    _assert_unavailable(htmx, json=False)
    assert htmx.headers["HX-Retarget"] == "#flash"
    with client.session_transaction() as sess:  # a logged-in browser: its user cannot be loaded
        sess["_user_id"], sess["_seen"] = "1:0", 2**31
    _assert_unavailable(client.get("/catalog/"), json=False)
    health = client.get("/healthz")
    assert health.status_code == 503 and "database unreachable" in health.json["problems"]


def test_healthz_reports_an_unwritable_instance_folder(app, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the instance folder should be")
    app.instance_path = str(blocker / "instance")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.headers["X-Portal-Error"] == "service_unavailable"
    assert "not writable" in response.json["problems"][0]


def test_healthz_reports_a_full_disk(app, tmp_path, monkeypatch):
    app.instance_path = str(tmp_path)
    real = shutil.disk_usage
    monkeypatch.setattr(shutil, "disk_usage", lambda path: real(path)._replace(free=5 * 1024 * 1024))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert "disk nearly full: 5 MB free" in response.json["problems"][0]


def test_healthz_is_ok_on_a_healthy_instance(app, tmp_path):
    app.instance_path = str(tmp_path)
    assert app.test_client().get("/healthz").json == {"status": "ok"}


# --- a private cluster, stopped and started under a running app -------------------


def _as_postgres(*args: str) -> None:
    subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True, capture_output=True, timeout=120)


@contextmanager
def _private_cluster():
    if not (PG_BIN / "initdb").exists() or os.geteuid() != 0 or shutil.which("runuser") is None:
        pytest.skip("a private PostgreSQL cluster needs PostgreSQL 15's binaries and root (runuser)")
    folder = Path(tempfile.mkdtemp(prefix="portal-pg-"))
    shutil.chown(folder, "postgres", "postgres")
    data, port = folder / "data", _free_port()
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    _as_postgres(str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")

    def start():
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options, "-w", "-l", str(folder / "log"), "start")

    def stop():
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")

    start()
    try:
        yield port, start, stop
    finally:
        subprocess.run(["runuser", "-u", "postgres", "--", str(PG_BIN / "pg_ctl"), "-D", str(data),
                        "-m", "immediate", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


def test_a_database_restart_is_503_while_down_and_recovers_without_restarting_the_app(tmp_path):
    from flask_migrate import upgrade

    from portal.extensions import db
    from tests import factories

    with _private_cluster() as (port, start, stop):
        app = _app(f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres?connect_timeout=3", tmp_path)
        with app.app_context():
            upgrade()
            factories.user(db.session, username="manager", role="manager")
            db.session.commit()
        client = app.test_client()
        logged_in = client.post("/login", data={"username": "manager", "password": factories.DEFAULT_PASSWORD})
        assert logged_in.status_code == 302
        assert client.get("/catalog/suppliers").status_code == 200  # its connection is in the pool now

        stop()
        _assert_unavailable(client.get("/catalog/suppliers"), json=False)
        _assert_unavailable(client.get("/api/v1/suppliers", headers={"Authorization": "Bearer sp_x"}), json=True)
        assert client.get("/healthz").status_code == 503

        start()
        assert client.get("/catalog/suppliers").status_code == 200  # the first request after the restart
        assert client.get("/healthz").json == {"status": "ok"}

        stop()  # a restart between two requests: the pooled connection is dead, unnoticed
        start()
        assert client.get("/catalog/suppliers").status_code == 200
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
