"""The admin page: user accounts and API tokens. Admins only.

HTMX requests get fragments (a failed form answers 422 with the form; a row
action answers with the row); plain form posts redirect back to the page,
except a token issue, which shows the new token once on the page it answers
with (never through a redirect: the token must not sit in a cookie)."""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from ..auth import queries
from ..auth import services as accounts
from ..auth.access import blueprint_roles
from ..errors import DomainError
from ..extensions import db
from ..models import ApiToken, Role, User
from ..web import add_trigger, is_htmx_request, render_page_or_fragment
from . import bp
from .forms import NewUserForm, TokenForm

blueprint_roles(bp, "admin")

ROLES = [role.value for role in Role]


def _token_form(form: TokenForm | None = None) -> TokenForm:
    form = form or TokenForm()
    form.user_id.choices = [SelectChoice(0, "Choose a user")] + [
        SelectChoice(u.id, f"{u.username} ({u.role})") for u in db.session.scalars(queries.active_users())
    ]
    return form


def _context(*, user_form=None, token_form=None, issued=None) -> dict:
    """Everything the whole page shows; fragments use the parts they need."""
    return {
        "users": db.session.scalars(queries.users()).all(),
        "tokens": db.session.scalars(queries.tokens()).all(),
        "user_form": user_form or NewUserForm(formdata=None),
        "token_form": _token_form(token_form or TokenForm(formdata=None)),
        "issued": issued,
        "roles": ROLES,
    }


def _fragment(template: str, status: int = 200, **context):
    """A fragment for an HTMX request that only ever wants the fragment."""
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


def _page(status: int = 200, **parts):
    """The whole admin page, for plain (non-HTMX) requests."""
    return make_response(render_template("admin/index.html", **_context(**parts)), status)


@bp.route("/")
def index():
    return _page()


# --- users ------------------------------------------------------------------


@bp.get("/users")
def users():
    return render_page_or_fragment("admin/index.html", "admin/_users.html", **_context())


@bp.get("/users/check")
def check_username():
    """Inline validation while the admin types a new user name."""
    raw = request.args.get("username", "")
    message, ok = "", False
    if raw.strip():
        try:
            name = accounts.available_username(db.session, raw)
        except DomainError as taken:
            message = taken.message
        else:
            message, ok = f"{name} is free.", True
    return _fragment("admin/_username_check.html", message=message, ok=ok)


@bp.post("/users")
def create_user():
    form = NewUserForm()
    if form.validate():
        try:
            user = accounts.create_user(
                db.session, username=form.username.data, role=form.role.data, password=form.password.data
            )
        except DomainError as refused:
            db.session.rollback()
            on_name = refused.code in ("invalid_username", "duplicate")
            (form.username.errors if on_name else form.form_errors).append(refused.message)
        else:
            db.session.commit()
            message = f"Added {user.role} {user.username}."
            if not is_htmx_request():
                flash(message, "success")
                return redirect(url_for("admin.index"))
            response = _fragment("admin/_user_form.html", user_form=NewUserForm(formdata=None), added=message)
            return add_trigger(response, "user-added")
    if is_htmx_request():
        return _fragment("admin/_user_form.html", 422, user_form=form)
    return _page(422, user_form=form)


def _change_user(user_id: int, success: str, **changes):
    """A row action: one service call, then the row (HTMX) or the page."""
    try:
        user = accounts.change_user(db.session, actor=current_user._get_current_object(), user_id=user_id, **changes)
    except DomainError as refused:
        db.session.rollback()
        user = db.session.get(User, user_id)
        if user is None or not is_htmx_request():
            raise
        return _fragment("admin/_user_row.html", refused.status, u=user, roles=ROLES, row_error=refused.message)
    db.session.commit()
    message = success.format(user=user)
    if not is_htmx_request():
        flash(message, "success")
        return redirect(url_for("admin.index"))
    response = _fragment("admin/_user_row.html", u=user, roles=ROLES, row_message=message)
    return add_trigger(response, "user-changed")


@bp.post("/users/<int:user_id>/role")
def change_role(user_id: int):
    return _change_user(user_id, "{user.username} is now {user.role}.", role=request.form.get("role", ""))


@bp.post("/users/<int:user_id>/disable")
def disable_user(user_id: int):
    return _change_user(user_id, "{user.username} is disabled; their API tokens stop working.", active=False)


@bp.post("/users/<int:user_id>/enable")
def enable_user(user_id: int):
    return _change_user(user_id, "{user.username} is enabled.", active=True)


@bp.post("/users/<int:user_id>/password")
def reset_password(user_id: int):
    return _change_user(
        user_id, "New password set for {user.username}; tell them in person.",
        password=request.form.get("password", ""),
    )


# --- API tokens ---------------------------------------------------------------


@bp.get("/tokens")
def tokens():
    return render_page_or_fragment("admin/index.html", "admin/_tokens.html", **_context())


@bp.get("/tokens/users")
def token_user_options():
    """The token form's user choices, refreshed when accounts change."""
    return _fragment("admin/_token_user_options.html", token_form=_token_form())


@bp.post("/tokens")
def issue_token():
    form = _token_form(TokenForm())
    issued = None
    status = 422
    if form.validate():
        try:
            row, token = accounts.issue_token_for(db.session, user_id=form.user_id.data, name=form.name.data)
        except DomainError as refused:
            db.session.rollback()
            (form.user_id.errors if refused.code.startswith("user") else form.name.errors).append(refused.message)
        else:
            db.session.commit()
            issued = {"token": token, "prefix": row.prefix, "name": row.name, "username": row.user.username}
            form = _token_form(TokenForm(formdata=None))
            status = 201
    if is_htmx_request():
        response = _fragment("admin/_token_form.html", status, token_form=form, issued=issued)
        if issued:
            add_trigger(response, "tokens-changed")
    else:
        response = _page(status, token_form=form, issued=issued)
    # the token is in this answer only: no cache may keep it
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int):
    row = accounts.revoke_token(db.session, token_id=token_id)
    db.session.commit()
    message = f"Token {row.prefix}… ({row.name}) is revoked."
    if not is_htmx_request():
        flash(message, "success")
        return redirect(url_for("admin.index"))
    row = db.session.scalars(queries.tokens().where(ApiToken.id == token_id)).one()
    return _fragment("admin/_token_row.html", t=row, row_message=message)
