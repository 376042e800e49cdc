from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, request, url_for
from flask_login import current_user, login_user, logout_user

from ..errors import Invalid
from ..extensions import db
from ..web import redirect_to, render_page_or_fragment
from . import bp, services, sessions, throttle
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
        return redirect_to(url_for("home.index"), 302)
    form = LoginForm()
    status, headers = 200, {}
    if form.validate_on_submit():
        limits = throttle.policies(current_app.config)
        attempt = {"username": form.username.data, "remote_addr": request.remote_addr, "policies": limits}
        try:
            services.claim_login_attempt(db.session, **attempt)
            # committed before the password is checked: parallel attempts see the claim
            db.session.commit()
            user = services.authenticate(db.session, password=form.password.data, **attempt)
        except throttle.LoginThrottled as held_back:
            db.session.rollback()  # a refused attempt is not counted
            form.form_errors.append(held_back.message)
            status, headers = held_back.status, {"Retry-After": str(held_back.details["retry_after"])}
        except Invalid as refused:
            db.session.commit()  # a right password for a disabled account gives its slot back
            form.form_errors.append(refused.message)
            status = refused.status
        else:
            db.session.commit()
            login_user(user)
            sessions.started()
            return redirect_to(safe_next(request.args.get("next")) or url_for("home.index"), 302)
    elif request.method == "POST":
        status = 422
    response = render_page_or_fragment("auth/login.html", "auth/_login_form.html", status, form=form)
    response.headers.update(headers)
    return response


@bp.route("/logout", methods=["POST"])
def logout():
    """Ends every session of the user, not only this browser's: a copied
    cookie stops working too."""
    if current_user.is_authenticated:
        services.end_sessions(db.session, user=current_user._get_current_object())
        db.session.commit()
    logout_user()
    flash("You are logged out.", "info")
    return redirect_to(url_for("auth.login"), 302)
