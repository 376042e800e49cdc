"""Serial Portal: every physical item tracked by its serial number."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, Response, jsonify, request, url_for
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from . import config as config_defaults
from .extensions import csrf, db, login_manager, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigurationError(RuntimeError):
    pass


class DatabaseIdConverter(IntegerConverter):
    """``<int:...>`` in every URL: at most 2^31 - 1, the largest id either
    database stores, so a longer number is a 404 rather than an overflow."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(test_config: dict | None = None) -> Flask:
    instance_path = os.environ.get("PORTAL_INSTANCE_PATH") or str(PROJECT_ROOT / "instance")
    app = Flask(
        __name__,
        instance_path=instance_path,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    # layers: defaults -> instance/config.py -> PORTAL_* environment -> test mapping
    app.config.from_mapping(config_defaults.DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_mapping(config_defaults.from_environment())
    if test_config:
        app.config.from_mapping(test_config)
    _finish_config(app)
    app.url_map.converters["int"] = DatabaseIdConverter  # before any route is added
    proxies = int(app.config["PROXY_COUNT"])
    if proxies:
        # only then is X-Forwarded-For believed, and only the last `proxies` hops of it
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    _configure_login(app)

    from . import web

    web.init_app(app)
    _register_blueprints(app)
    _register_basics(app)

    from . import cli

    cli.init_app(app)
    return app


def _finish_config(app: Flask) -> None:
    if not app.config.get("SECRET_KEY"):
        if app.debug or app.testing:
            app.config["SECRET_KEY"] = os.urandom(32).hex()
        else:
            raise ConfigurationError(
                "PORTAL_SECRET_KEY is not set. Set it to a long random string "
                "(python -c 'import secrets; print(secrets.token_hex(32))')."
            )
    url = app.config.get("DATABASE_URL")
    if not url:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{Path(app.instance_path) / 'portal.sqlite3'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["MAX_UPLOAD_MB"]) * 1024 * 1024
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    # a pooled connection is tested before reuse: the first request after a
    # database restart gets a new connection instead of an error
    options.setdefault("pool_pre_ping", True)
    if url.startswith("sqlite"):
        options.setdefault("connect_args", {}).setdefault("timeout", 30)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite: WAL (readers never wait for the writer) and foreign keys on."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def _configure_login(app: Flask) -> None:
    from flask import jsonify, redirect

    from .auth.access import require_login_everywhere
    from .auth.sessions import load_user

    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.login_message_category = "info"

    login_manager.user_loader(load_user)

    @login_manager.unauthorized_handler
    def unauthorized():
        from .web import is_htmx_request

        login_url = url_for("auth.login", next=request.full_path.rstrip("?"))
        if request.path.startswith("/api/"):
            return jsonify(error={"code": "unauthorized", "message": "Log in first."}), 401
        if request.headers.get("HX-Request") == "true" or is_htmx_request():
            # never a login page swapped into a table cell
            return "", 401, {"HX-Redirect": login_url}
        return redirect(login_url)

    app.before_request(require_login_everywhere(login_manager))


def _register_blueprints(app: Flask) -> None:
    from .admin import bp as admin_bp
    from .api import bp as api_bp
    from .auth import bp as auth_bp
    from .catalog import bp as catalog_bp
    from .consignment import bp as consignment_bp
    from .defects import bp as defects_bp
    from .home import bp as home_bp
    from .items import bp as items_bp
    from .orders import bp as orders_bp
    from .recalls import bp as recalls_bp
    from .receiving import bp as receiving_bp
    from .reports import bp as reports_bp
    from .scanning import bp as scanning_bp
    from .supplier_returns import bp as supplier_returns_bp
    from .transfers import bp as transfers_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(home_bp)
    app.register_blueprint(items_bp, url_prefix="/items")
    app.register_blueprint(catalog_bp, url_prefix="/catalog")
    app.register_blueprint(receiving_bp, url_prefix="/receiving")
    app.register_blueprint(scanning_bp, url_prefix="/scan")
    app.register_blueprint(reports_bp, url_prefix="/reports")
    app.register_blueprint(defects_bp, url_prefix="/defects")
    app.register_blueprint(supplier_returns_bp, url_prefix="/supplier-returns")
    app.register_blueprint(recalls_bp, url_prefix="/recalls")
    app.register_blueprint(consignment_bp, url_prefix="/consignment")
    app.register_blueprint(transfers_bp, url_prefix="/transfers")
    app.register_blueprint(orders_bp, url_prefix="/orders")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    csrf.exempt(api_bp)  # token-authenticated, no cookies: CSRF does not apply


def _register_basics(app: Flask) -> None:
    icon = (Path(app.static_folder) / "favicon.ico").read_bytes()

    @app.route("/favicon.ico", endpoint="favicon")
    def favicon():
        """From memory, not from an open file: browsers fetch the icon last and
        often drop the connection halfway (a page closed, a tab moved on), which
        left send_file's file to the garbage collector, a ResourceWarning that
        failed a browser test at its teardown in CI."""
        return Response(icon, mimetype="image/vnd.microsoft.icon",
                        headers={"Cache-Control": "public, max-age=86400"})

    @app.route("/healthz", endpoint="healthz")
    def healthz():
        """For the load balancer: 200 when this process can serve, else 503
        naming every problem (database, free disk, instance folder)."""
        problems = _instance_problems(Path(app.instance_path), int(app.config["HEALTHZ_MIN_FREE_MB"]))
        try:
            db.session.execute(text("SELECT 1"))
        except SQLAlchemyError:
            db.session.rollback()
            problems.insert(0, "database unreachable")
        if not problems:
            return {"status": "ok"}
        from .web.errors import ERROR_CODE_HEADER

        body = {"status": "unavailable", "problems": problems,
                "error": {"code": "service_unavailable", "message": "; ".join(problems)}}
        return jsonify(body), 503, {ERROR_CODE_HEADER: "service_unavailable", "Retry-After": "30"}


def _instance_problems(folder: Path, min_free_mb: int) -> list[str]:
    """What keeps the instance folder from taking uploads and the SQLite database."""
    import shutil
    import tempfile

    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        return [f"instance folder {folder} is not writable ({error.strerror or error})"]
    free_mb = shutil.disk_usage(folder).free // (1024 * 1024)
    if free_mb < min_free_mb:
        return [f"disk nearly full: {free_mb} MB free in {folder}, at least {min_free_mb} MB needed"]
    return []
