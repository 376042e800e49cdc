"""Shared fixtures. Every test that touches the database runs once on SQLite
and once on PostgreSQL (``PORTAL_TEST_DBS=sqlite`` or ``=postgresql`` picks
one). The schema is built by the migrations, as in production.

Tests never hold an app context while they drive the test client: a request
would otherwise share the test's SQLAlchemy session and hide a missing commit.
Read the database afterwards with ``fresh()``; service tests use ``session``.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import threading
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import event, text

from portal import create_app
from portal.extensions import db
from portal.models import LEDGER_APPEND_ONLY_DDL, LEDGER_APPEND_ONLY_DROP
from tests import dbstate, factories

PG_ADMIN_URL = os.environ.get("PORTAL_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
SELECTED_DBS = [d.strip() for d in os.environ.get("PORTAL_TEST_DBS", "sqlite,postgresql").split(",")]


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing():
    """scrypt costs ~0.1 s per hash by design; tests hash hundreds of passwords."""
    from portal.auth import services

    services.PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    yield
    services.PASSWORD_HASH_METHOD = "scrypt"


# --- databases ----------------------------------------------------------------


def _pg_url(admin_url: str, name: str) -> str:
    base = admin_url.rsplit("/", 1)[0]
    return base.replace("postgresql://", "postgresql+psycopg://", 1) + "/" + name


@contextmanager
def _postgres_database():
    import psycopg

    name = f"portal_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True)
    except psycopg.OperationalError as error:
        pytest.fail(
            f"PostgreSQL is not reachable at {PG_ADMIN_URL} ({error}). "
            "Start it with: pg_ctlcluster 15 main start"
        )
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _pg_url(PG_ADMIN_URL, name)
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _migrate(url: str, instance_path: Path) -> None:
    from flask_migrate import upgrade

    app = create_app(_test_config(url, instance_path))
    with app.app_context():
        upgrade()
        db.session.remove()
        db.engine.dispose()


def _test_config(url: str, instance_path: Path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-" + secrets.token_hex(8),
        "DATABASE_URL": url,
        "SERVER_NAME": None,
    }


@pytest.fixture(scope="session", params=[d for d in ("sqlite", "postgresql") if d in SELECTED_DBS])
def database_url(request, tmp_path_factory):
    """One migrated database per kind for the whole session."""
    instance = tmp_path_factory.mktemp("instance")
    if request.param == "sqlite":
        url = f"sqlite:///{instance / 'test.sqlite3'}"
        _migrate(url, instance)
        yield url
    else:
        with _postgres_database() as url:
            _migrate(url, instance)
            yield url


def _empty_all_tables(app) -> None:
    with app.app_context():
        db.session.remove()
        tables = [t.name for t in db.metadata.sorted_tables]
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                # the ledger's append-only triggers refuse DELETE: lifted for the
                # cleanup only, then put back with the migration's own DDL
                for statement in LEDGER_APPEND_ONLY_DROP["sqlite"]:
                    conn.execute(text(statement))
                for name in reversed(tables):
                    conn.execute(text(f"DELETE FROM {name}"))  # noqa: S608 - our table names
                for statement in LEDGER_APPEND_ONLY_DDL["sqlite"]:
                    conn.execute(text(statement))
            # the defect reasons migration 0009 seeds, as a fresh database has them
            from portal.defects.models import DEFAULT_REASONS, DefectReasonEntry
            from portal.recalls.models import RECALL_REASON  # seeded by migration 0016
            conn.execute(DefectReasonEntry.__table__.insert(),
                         [{"code": code, "name": name, "active": True}
                          for code, name in (*DEFAULT_REASONS, RECALL_REASON)])
        db.engine.dispose()


@pytest.fixture
def app_config():
    """Override in a test module to change settings: return a dict."""
    return {}


@pytest.fixture
def app(database_url, tmp_path, app_config):
    config = _test_config(database_url, tmp_path)
    config.update(app_config)
    application = create_app(config)
    application.test_client_class = PortalClient
    yield application
    _empty_all_tables(application)


@pytest.fixture
def session(app):
    """A session inside an app context, for service tests that use no client."""
    with app.app_context():
        yield db.session
        db.session.rollback()


@pytest.fixture
def fresh(app):
    """Read the database as a new request would: ``with fresh() as s: ...``."""

    @contextmanager
    def open_fresh():
        with app.app_context():
            try:
                yield db.session
            finally:
                db.session.rollback()

    return open_fresh


@pytest.fixture
def db_snapshot(fresh):
    """``db_snapshot(**kwargs)``: what the database holds now (tests.dbstate.snapshot), read as a new request
    would; compare two to show that a refused request changed nothing."""
    def take(**kwargs):
        with fresh() as session:
            return dbstate.snapshot(session, **kwargs)

    return take


@pytest.fixture
def statements(app):
    """``with statements() as seen:`` collects the SQL statements the app's engine runs inside the block."""
    @contextmanager
    def collect():
        with app.app_context():
            engine = db.engine
        seen = []

        def count(conn, cursor, statement, *args):
            seen.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        try:
            yield seen
        finally:
            event.remove(engine, "before_cursor_execute", count)

    return collect


@pytest.fixture
def dialect(database_url):
    return "postgresql" if database_url.startswith("postgresql") else "sqlite"


# --- clients ------------------------------------------------------------------


class PortalClient(FlaskClient):
    """A test client that sends a valid CSRF token with every state-changing
    request, as the pages do (pass ``csrf=False`` to leave it out)."""

    def open(self, *args, csrf: bool = True, **kwargs):
        method = (kwargs.get("method") or "GET").upper()
        if csrf and method not in ("GET", "HEAD", "OPTIONS"):
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", self.csrf_token())
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)

    def csrf_token(self) -> str:
        """Flask-WTF's token for this client's session (field csrf_token, salt wtf-csrf-token)."""
        with self.session_transaction() as sess:
            raw = sess.get("csrf_token")
            if raw is None:
                raw = sess["csrf_token"] = secrets.token_hex(20)
        return URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token").dumps(raw)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def login():
    def log_in(client, user, password: str = factories.DEFAULT_PASSWORD):
        response = client.post(
            "/login", data={"username": user.username, "password": password}
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    return log_in


@pytest.fixture
def client_as(app, make_user, login):
    """A logged-in client for a role: ``client_as("manager")``."""

    def make(role: str, **kwargs):
        user = make_user(role=role, **kwargs)
        c = app.test_client()
        login(c, user)
        c.user = user
        return c

    return make


# --- factories (fixtures returning callables) ----------------------------------


def _factory(app, build):
    def make(**kwargs):
        with app.app_context():
            obj = build(db.session, **kwargs)
            db.session.commit()
            db.session.refresh(obj)
            db.session.expunge(obj)
            return obj

    return make


def _factory_fixture(name: str, build):
    """A fixture ``name`` returning a callable that makes and commits one row with ``build``."""

    @pytest.fixture(name=name)
    def fixture(app):
        return _factory(app, build)

    return fixture


make_user = _factory_fixture("make_user", factories.user)
make_supplier = _factory_fixture("make_supplier", factories.supplier)
make_product = _factory_fixture("make_product", factories.product)
make_warehouse = _factory_fixture("make_warehouse", factories.warehouse)
make_bin = _factory_fixture("make_bin", factories.bin_)
make_item = _factory_fixture("make_item", factories.item)
make_channel = _factory_fixture("make_channel", factories.sales_channel)


# --- browser ------------------------------------------------------------------


def _chromium_available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which("chromium") is not None


def pytest_collection_modifyitems(config, items):
    if _chromium_available():
        return
    browser_tests = [item for item in items if "browser" in item.keywords]
    if not browser_tests:
        return
    if IN_CI:
        raise pytest.UsageError(
            f"Chromium is missing at {CHROMIUM} and CI=true: browser tests may not be skipped. "
            "Run 'make test' (as root it installs chromium with apt)."
        )
    reason = (
        f"!!! BROWSER TESTS SKIPPED: no Chromium at {CHROMIUM}. "
        "Install it (apt-get install chromium) to run them. !!!"
    )
    print("\n" + "!" * 78 + "\n" + reason + "\n" + "!" * 78)
    for item in browser_tests:
        item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


CSP_WATCH = Path(__file__).parent / "browser" / "csp_watch.js"
#: Answers the app gives on purpose (a serial not found, a form refused) print
#: "Failed to load resource: ... status of 4xx" for the document or the htmx
#: request; a static file that fails is caught from its response instead.
_EXPECTED_REFUSAL = re.compile(r"Failed to load resource: the server responded with a status of 4\d\d")
#: Not problems: htmx logs an aborted request (hx-sync="replace" drops the
#: older of two inline validations) as htmx:sendAbort plus htmx:afterRequest
#: (a real failure also logs its own htmx:sendError / htmx:responseError /
#: htmx:timeout, which stays a problem); a test that switches the context
#: offline sees net::ERR_INTERNET_DISCONNECTED for what it sent meanwhile.
_NOT_PROBLEMS = re.compile(
    r"^htmx:(sendAbort|afterRequest), |Failed to load resource: net::ERR_INTERNET_DISCONNECTED"
)
_SUBRESOURCES = frozenset({"stylesheet", "script", "image", "font", "media", "manifest"})


class BrowserProblems(list):
    """Console errors, uncaught page errors, CSP violations and failed static
    files seen by every page of one browser context; the test fails at
    teardown if any is left. ``allow(pattern)`` accepts the ones a test
    provokes on purpose (a regular expression, searched)."""

    def __init__(self):
        super().__init__()
        self.allowed: list[re.Pattern] = []

    def allow(self, pattern: str) -> None:
        self.allowed.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        return [p for p in self if not any(a.search(p) for a in self.allowed)]

    def on_console(self, message) -> None:
        if message.type != "error" or _EXPECTED_REFUSAL.search(message.text) or _NOT_PROBLEMS.search(message.text):
            return
        self.append(f"console error: {message.text} ({message.location.get('url', '')})")

    def on_page_error(self, error) -> None:
        self.append(f"page error: {error.error}")

    def on_response(self, response) -> None:
        if response.status >= 400 and response.request.resource_type in _SUBRESOURCES:
            self.append(f"{response.status} for {response.request.resource_type} {response.url}")


@pytest.fixture
def browser_problems():
    return BrowserProblems()


@pytest.fixture
def context(request, context, browser_problems):
    """Every Playwright context of the tests watches for console errors, page
    errors and CSP violations (issue 12.12) and fails the test at teardown.

    The test's server is started before the context so that it stops after
    the pages are closed (else a request still open, such as the favicon,
    ends in net::ERR_CONNECTION_RESET)."""
    for server in ("live_server", "demo_server"):
        if server in request.fixturenames:
            request.getfixturevalue(server)
    context.add_init_script(path=str(CSP_WATCH))
    context.on("console", browser_problems.on_console)
    context.on("weberror", browser_problems.on_page_error)
    context.on("response", browser_problems.on_response)
    yield context
    for page in context.pages:
        page.close()
    if problems := browser_problems.unexpected():
        pytest.fail("The browser reported problems:\n  " + "\n  ".join(problems), pytrace=False)


@pytest.fixture
def live_server(app):
    """The app served on a free local port from a thread; yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def browser_login():
    """Log a Playwright page in through the real login form."""

    def log_in(page, base_url: str, user, password: str = factories.DEFAULT_PASSWORD):
        page.goto(f"{base_url}/login")
        page.fill("#username", user.username)
        page.fill("#password", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base_url}/")

    return log_in


# --- PDF text (poppler-utils) ------------------------------------------------------


def _tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if path:
        return path
    message = f"!!! {name} is missing: install {package} (apt-get install -y {package}) to check PDF text !!!"
    if IN_CI:
        pytest.fail(message)
    print("\n" + message)
    pytest.skip(message)


@pytest.fixture
def pdf_text():
    """The text of a PDF (pdftotext -layout), one string per page."""
    tool = _tool("pdftotext", "poppler-utils")

    def extract(body: bytes, tmp_path) -> list[str]:
        path = tmp_path / "report.pdf"
        path.write_bytes(body)
        out = subprocess.run([tool, "-layout", str(path), "-"], capture_output=True, check=True, text=True)
        return out.stdout.split("\f")[:-1] if out.stdout.endswith("\f") else out.stdout.split("\f")

    return extract
