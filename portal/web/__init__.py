"""The web layer's shared pieces: fragment-or-page rendering, HX-Trigger
events, security headers, error pages and template filters."""

from __future__ import annotations

import json
from datetime import date, datetime

from flask import Flask, Response, flash, make_response, redirect, render_template, request

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",  # the camera's barcode reader is WebAssembly (scan station)
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def is_htmx_request() -> bool:
    """An HTMX request that wants a fragment: not boosted, not a history restore."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-Boosted") != "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render_page_or_fragment(
    page: str,
    fragment: str,
    status: int = 200,
    *,
    retarget: str | None = None,
    reswap: str | None = None,
    push_url: str | None = None,
    trigger: str | dict | None = None,
    **context,
) -> Response:
    """The one place that decides fragment or page. The page template includes
    the fragment, so each piece of markup exists once. ``retarget``/``reswap``/
    ``push_url`` and ``trigger`` (an event name or a mapping of events) apply to
    the HTMX answer only."""
    htmx = is_htmx_request()
    template = fragment if htmx else page
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    if htmx:
        if retarget:
            response.headers["HX-Retarget"] = retarget
        if reswap:
            response.headers["HX-Reswap"] = reswap
        if push_url:
            response.headers["HX-Push-Url"] = push_url
        _add_triggers(response, trigger)
    return response


def redirect_to(url: str, status: int = 303) -> Response:
    """Go to another page: a redirect (303: Post/Redirect/Get) for a normal
    request, ``HX-Redirect`` for an HTMX one (htmx does not follow a 3xx into a
    full page)."""
    if is_htmx_request():
        response = make_response("", 200)
        response.headers["HX-Redirect"] = url
    else:
        response = redirect(url, status)
    response.vary.add("HX-Request")
    return response


def fragment_or_redirect(
    fragment: str,
    url: str,
    status: int = 200,
    *,
    message: str | None = None,
    category: str = "success",
    trigger: str | dict | None = None,
    **context,
) -> Response:
    """After a write (or for an endpoint that only serves a fragment): the
    fragment for HTMX, otherwise ``message`` flashed and a redirect to ``url``
    (the page that includes the fragment)."""
    if not is_htmx_request():
        if message:
            flash(message, category)
        return redirect_to(url)
    response = make_response(render_template(fragment, message=message, **context), status)
    response.vary.add("HX-Request")
    _add_triggers(response, trigger)
    return response


def _add_triggers(response: Response, trigger: str | dict | None) -> None:
    if trigger is None:
        return
    events = {trigger: None} if isinstance(trigger, str) else trigger
    for event, detail in events.items():
        add_trigger(response, event, detail)


def add_trigger(response: Response, event: str, detail=None) -> Response:
    """Merge one event into the response's HX-Trigger JSON header."""
    existing = response.headers.get("HX-Trigger")
    events = json.loads(existing) if existing else {}
    events[event] = detail if detail is not None else True
    response.headers["HX-Trigger"] = json.dumps(events)
    return response


def set_security_headers(response: Response) -> Response:
    # any page may answer a fragment to HTMX and a page otherwise: caches must key on it
    response.vary.add("HX-Request")
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
    return response


def refuse_nul_characters() -> None:
    """The request boundary's NUL guard for the pages (a before_request hook).
    PostgreSQL text cannot hold NUL (psycopg refuses it, which would be a 500)
    and SQLite would store it, so a NUL in any query value, path value or form
    field is refused before a view sees it: 400 for the address, 422 for a
    form, as a page or an HTMX fragment, nothing saved. Uploaded files are not
    looked at (the supplier-list reader refuses a NUL in a file itself). The
    API answers for itself (``api.auth.refuse_nul_characters`` for the URL, the
    request models' ``no_nul`` for bodies)."""
    if request.blueprint == "api" or request.path.startswith("/api/"):
        return
    answered = NUL_ANSWERED_BY_VIEW.get(request.endpoint or "") or NUL_ANSWERED_BY_VIEW.get(
        f"{request.blueprint}.*", frozenset())
    if "*" in answered:
        return
    from ..errors import DomainError, Invalid

    in_url = _with_nul([*(request.view_args or {}).items(), *request.args.items(multi=True)], answered)
    if in_url:
        raise DomainError(f"The address (its “{in_url}” value) contains a NUL character, which the portal "
                          "cannot store. Remove it and try again.", code="bad_request", details={"field": in_url})
    in_form = _with_nul(request.form.items(multi=True), answered) if request.method == "POST" else None
    if in_form:
        raise Invalid(f"The field “{in_form}” contains a NUL character, which the portal cannot store; nothing "
                      "was saved. Remove it (it often comes from a copy and paste) and try again.",
                      code="invalid_character", details={"field": in_form})


#: Fields whose views answer a NUL themselves, with a message of their own
#: (beside the field, a refused scan row, "no item has that serial"), better
#: than the guard's: the guard leaves those fields alone ("*": every field of
#: the view; "<blueprint>.*": of every view of the blueprint). Each is tested:
#: the catalog (tests/catalog/test_pages.py: codes and names refuse it,
#: searches drop it), the report filters (tests/reports/test_stock_aging.py),
#: the serial look-up and the admin's token name (tests/api/test_nul_characters.py),
#: the scanned code (tests/platform/test_nul_characters_in_forms.py).
NUL_ANSWERED_BY_VIEW: dict[str, frozenset[str]] = {
    "catalog.*": frozenset({"*"}),
    **dict.fromkeys(("reports.stock_aging", "reports.stock_aging_download", "reports.defects_by_supplier",
                     "reports.defects_by_supplier_download"), frozenset({"*"})),
    "items.lookup": frozenset({"serial"}),
    "items.detail": frozenset({"serial"}),
    "admin.issue_token": frozenset({"name"}),
    "scanning.scan": frozenset({"code"}),
    "scanning.read_code": frozenset({"code"}),
}


def _with_nul(pairs, answered: frozenset[str]) -> str | None:
    """The first field name (as shown) of ``pairs`` whose name or value holds a NUL, leaving out ``answered``."""
    for name, value in pairs:
        if name not in answered and ("\x00" in str(value) or "\x00" in name):
            return _shown(name)
    return None


def _shown(name: str) -> str:
    return name.replace("\x00", "␀")[:40]


def _format_datetime(value: datetime | date | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime(fmt)
    return value.strftime("%Y-%m-%d")


def _humanise(value: str | None) -> str:
    return (value or "").replace("_", " ")


def init_app(app: Flask) -> None:
    from . import errors

    app.before_request(refuse_nul_characters)
    app.after_request(set_security_headers)
    app.add_template_filter(_format_datetime, "dt")
    app.add_template_filter(_humanise, "human")
    app.jinja_env.globals["is_htmx_request"] = is_htmx_request
    errors.init_app(app)
