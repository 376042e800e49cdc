"""The admin page: user accounts, held-back log-ins and API tokens. Admins only.

HTMX requests get fragments (a failed form answers 422 with the form; a row
action answers with the row); plain form posts redirect back to the page,
except a token issue, which shows the new token once on the page it answers
with (never through a redirect: the token must not sit in a cookie)."""

from __future__ import annotations

from flask import request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectChoice

from ..auth import queries, throttle
from ..auth import services as accounts
from ..auth.access import blueprint_roles
from ..errors import DomainError, Invalid, NotFound
from ..extensions import db
from ..models import ApiToken, Role, User, utcnow
from ..web import fragment_or_redirect, render_page_or_fragment
from . import bp
from .forms import NewUserForm, PasswordResetForm, RoleForm, TokenForm

blueprint_roles(bp, "admin")

ROLES = [role.value for role in Role]
PAGE = "admin/index.html"


def _token_form(form: TokenForm | None = None) -> TokenForm:
    form = form or TokenForm()
    form.user_id.choices = [SelectChoice(0, "Choose a user")] + [
        SelectChoice(u.id, f"{u.username} ({u.role})") for u in db.session.scalars(queries.active_users())
    ]
    return form


def _throttles() -> list:
    return db.session.scalars(queries.held_back_logins(utcnow())).all()


def _context(*, user_form=None, token_form=None, issued=None, **parts) -> dict:
    """Everything the whole page shows; fragments use the parts they need."""
    return {
        "users": db.session.scalars(queries.users()).all(),
        "tokens": db.session.scalars(queries.tokens()).all(),
        "throttles": _throttles(),
        "user_form": user_form or NewUserForm(formdata=None),
        "token_form": _token_form(token_form or TokenForm(formdata=None)),
        "issued": issued,
        "roles": ROLES,
        **parts,
    }


def _back() -> str:
    return url_for("admin.index")


def _section(fragment: str):
    """A GET view: the whole page, or (HTMX) only the section ``fragment``."""
    return lambda: render_page_or_fragment(PAGE, fragment, **_context())


SECTIONS = {  # endpoint: (URL, fragment)
    "index": ("/", "admin/_sections.html"),
    "users": ("/users", "admin/_users.html"),
    "tokens": ("/tokens", "admin/_tokens.html"),
    # the token form's user choices, refreshed when accounts change
    "token_user_options": ("/tokens/users", "admin/_token_user_options.html"),
}
for _endpoint, (_rule, _fragment) in SECTIONS.items():
    bp.add_url_rule(_rule, _endpoint, _section(_fragment), methods=["GET"])


# --- users ------------------------------------------------------------------


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
    return fragment_or_redirect("admin/_username_check.html", _back(), message=message,
                                category="success" if ok else "error", ok=ok)


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
            return fragment_or_redirect(
                "admin/_user_form.html", _back(), message=message, trigger="user-added",
                user_form=NewUserForm(formdata=None), added=message,
            )
    return render_page_or_fragment(PAGE, "admin/_user_form.html", 422, **_context(user_form=form))


def _change_user(user_id: int, success: str, form: FlaskForm | None = None, **changes):
    """A row action: the row's form (if any) checked, one service call, then
    the row (HTMX) or the page; a refusal shows in the row."""
    try:
        if form is not None:
            if not form.validate():
                raise Invalid(next(iter(form.errors.values()))[0])
            changes = {field.name: field.data for field in form if field.name != "csrf_token"}
        user = accounts.change_user(db.session, actor=current_user._get_current_object(), user_id=user_id, **changes)
    except DomainError as refused:
        db.session.rollback()
        user = db.session.get(User, user_id)
        if user is None:
            raise NotFound("No such user.") from None
        return render_page_or_fragment(
            PAGE, "admin/_user_row.html", refused.status,
            **_context(u=user, row_for=user.id, row_error=refused.message),
        )
    db.session.commit()
    message = success.format(user=user)
    return fragment_or_redirect(
        "admin/_user_row.html", _back(), message=message, trigger="user-changed",
        u=user, roles=ROLES, row_for=user.id, row_message=message,
    )


@bp.post("/users/<int:user_id>/role")
def change_role(user_id: int):
    return _change_user(user_id, "{user.username} is now {user.role}.", RoleForm())


@bp.post("/users/<int:user_id>/disable")
def disable_user(user_id: int):
    return _change_user(user_id, "{user.username} is disabled; their API tokens stop working.", active=False)


@bp.post("/users/<int:user_id>/enable")
def enable_user(user_id: int):
    return _change_user(user_id, "{user.username} is enabled.", active=True)


@bp.post("/users/<int:user_id>/password")
def reset_password(user_id: int):
    return _change_user(user_id, "New password set for {user.username}; tell them in person.", PasswordResetForm())


# --- held-back log-ins ------------------------------------------------------------


@bp.post("/throttles/<int:throttle_id>/lift")
def lift_throttle(throttle_id: int):
    try:
        row = throttle.lift(db.session, throttle_id=throttle_id)
    except NotFound as gone:
        message = gone.message
    else:
        message = f"{row.key} may log in again at once."
    db.session.commit()
    return fragment_or_redirect("admin/_throttles.html", _back(), message=message, throttles=_throttles())


# --- API tokens ---------------------------------------------------------------


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
    response = render_page_or_fragment(
        PAGE, "admin/_token_form.html", status, trigger="tokens-changed" if issued else None,
        **_context(token_form=form, issued=issued),
    )
    # the token is in this answer only: no cache may keep it
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int):
    accounts.revoke_token(db.session, token_id=token_id)
    db.session.commit()
    row = db.session.scalars(queries.tokens().where(ApiToken.id == token_id)).one()
    message = f"Token {row.prefix}… ({row.name}) is revoked."
    return fragment_or_redirect("admin/_token_row.html", _back(), message=message, t=row, row_message=message)
