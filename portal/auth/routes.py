from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, request, url_for
from flask_login import current_user, login_user, logout_user

from ..errors import Invalid
from ..extensions import db
from ..web import redirect_to, render_page_or_fragment
from . import bp, services, sessions, throttle
from .forms import LoginForm, PasswordChangeForm


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
        user, status, headers = _checked_like_a_login(
            form, form.username.data,
            lambda **attempt: services.authenticate(db.session, password=form.password.data, **attempt))
        if user is not None:
            login_user(user)
            sessions.started()
            return redirect_to(safe_next(request.args.get("next")) or url_for("home.index"), 302)
    elif request.method == "POST":
        status = 422
    response = render_page_or_fragment("auth/login.html", "auth/_login_form.html", status, form=form)
    response.headers.update(headers)
    return response


def _checked_like_a_login(form, username: str, check) -> tuple:
    """A password check throttled as a log-in: the attempt for ``username`` and this address is
    claimed and committed before ``check(username=, remote_addr=, policies=)`` runs, so parallel
    attempts see the claim. Returns (what ``check`` returned, or None; status; headers); a refusal's
    message goes on ``form``. A refusal keeps the claim (a failure counted); a throttled attempt is not
    counted."""
    attempt = {"username": username, "remote_addr": request.remote_addr,
               "policies": throttle.policies(current_app.config)}
    try:
        services.claim_login_attempt(db.session, **attempt)
        db.session.commit()
        result = check(**attempt)
    except throttle.LoginThrottled as held_back:
        db.session.rollback()  # a refused attempt is not counted
        form.form_errors.append(held_back.message)
        return None, held_back.status, {"Retry-After": str(held_back.details["retry_after"])}
    except Invalid as refused:
        db.session.commit()  # a right password for a disabled account gives its slot back
        form.form_errors.append(refused.message)
        return None, refused.status, {}
    db.session.commit()
    return result, 200, {}


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    """Every signed-in user changes their own password: the current one (checked and throttled as a
    log-in), the new one twice. Every other session of the user ends; this one goes on."""
    form = PasswordChangeForm()
    status, headers = 200, {}
    if form.validate_on_submit():
        user = current_user._get_current_object()
        changed, status, headers = _checked_like_a_login(
            form, user.username,
            lambda username, **attempt: services.change_own_password(
                db.session, user=user, current_password=form.current_password.data,
                new_password=form.new_password.data, **attempt))
        if changed is not None:
            login_user(changed)  # this session again, under the new session epoch
            sessions.started()
            flash("Your password is changed. Every other session of yours has ended: log in again there.",
                  "success")
            return redirect_to(url_for("home.index"))
    elif request.method == "POST":
        status = 422
    response = render_page_or_fragment("auth/password.html", "auth/_password_form.html", status, form=form)
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
