from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from ..errors import Invalid
from ..extensions import db
from . import bp, services
from .forms import LoginForm


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: no scheme, no host, no protocol-relative URL."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        from flask import current_app

        try:
            user = services.authenticate(
                db.session,
                username=form.username.data,
                password=form.password.data,
                remote_addr=request.remote_addr,
                max_failures=current_app.config["LOGIN_MAX_FAILURES"],
                window_s=current_app.config["LOGIN_FAILURE_WINDOW_S"],
            )
        except Invalid as refused:
            db.session.commit()  # keep the recorded failure
            form.form_errors.append(refused.message)
            status = refused.status
        else:
            db.session.commit()
            login_user(user)
            return redirect(safe_next(request.args.get("next")) or url_for("home.index"))
    elif request.method == "POST":
        status = 422
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))
