"""Serial Portal: every physical item tracked by its serial number."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, abort, current_app, request, send_from_directory, url_for
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from . import config as config_defaults
from .extensions import csrf, db, login_manager, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigurationError(RuntimeError):
    pass


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
    if url.startswith("sqlite"):
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
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
    from .models import User

    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(user_id: str):
        if not user_id.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        return user if user is not None and user.active else None

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
    from .home import bp as home_bp
    from .items import bp as items_bp
    from .receiving import bp as receiving_bp
    from .reports import bp as reports_bp
    from .scanning import bp as scanning_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(home_bp)
    app.register_blueprint(items_bp, url_prefix="/items")
    app.register_blueprint(catalog_bp, url_prefix="/catalog")
    app.register_blueprint(receiving_bp, url_prefix="/receiving")
    app.register_blueprint(scanning_bp, url_prefix="/scan")
    app.register_blueprint(reports_bp, url_prefix="/reports")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    csrf.exempt(api_bp)  # token-authenticated, no cookies: CSRF does not apply


def _register_basics(app: Flask) -> None:
    @app.route("/favicon.ico", endpoint="favicon")
    def favicon():
        return send_from_directory(current_app.static_folder, "favicon.ico")

    @app.route("/healthz", endpoint="healthz")
    def healthz():
        try:
            db.session.execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - any database failure means unhealthy
            db.session.rollback()
            abort(503, "database unreachable")
        return {"status": "ok"}
