"""Log in, log out, roles, CSRF."""

import pytest
from werkzeug.routing import IntegerConverter


def test_every_page_is_behind_login(client):
    for path in ["/", "/catalog/", "/receiving/", "/scan/", "/reports/", "/admin/",
                 "/items/lookup?serial=X"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/login?next=" in response.headers["Location"]


def test_login_page_and_health_are_public(client):
    assert client.get("/login").status_code == 200
    assert client.get("/healthz").json == {"status": "ok"}
    with client.get("/favicon.ico") as icon:
        assert icon.status_code == 200
        assert icon.mimetype in ("image/vnd.microsoft.icon", "image/x-icon")
        assert icon.data.startswith(b"\x00\x00\x01\x00")
    # from memory: a browser dropping the connection halfway leaves no open file behind (a ResourceWarning
    # at a browser test's teardown failed CI)
    with client.application.test_request_context("/favicon.ico"):
        assert client.application.view_functions["favicon"]().is_sequence


def test_log_in_and_follow_a_safe_next(client, make_user):
    user = make_user(role="manager")
    response = client.post(
        "/login?next=/catalog/", data={"username": user.username.upper(), "password": "correct-horse-1"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/catalog/"
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example"])
def test_an_outside_next_goes_home_instead(client, make_user, target):
    user = make_user(role="manager")
    response = client.post(
        f"/login?next={target}", data={"username": user.username, "password": "correct-horse-1"}
    )
    assert response.headers["Location"] == "/"


def test_wrong_password_and_unknown_user_get_the_same_clear_answer(client, make_user):
    user = make_user(role="operator")
    wrong = client.post("/login", data={"username": user.username, "password": "nope-nope-1"})
    unknown = client.post("/login", data={"username": "ghost", "password": "nope-nope-1"})
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "Wrong user name or password." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still logged out


def test_disabled_user_cannot_log_in(client, make_user, app):
    from portal.extensions import db
    from portal.models import User

    user = make_user(role="operator")
    with app.app_context():
        db.session.get(User, user.id).active = False
        db.session.commit()
    response = client.post("/login", data={"username": user.username, "password": "correct-horse-1"})
    assert response.status_code == 401
    assert "disabled" in response.get_data(as_text=True)


def test_login_is_throttled_after_repeated_failures(client, make_user, app):
    user = make_user(role="operator")
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit):
        client.post("/login", data={"username": user.username, "password": "wrong-wrong"})
    response = client.post("/login", data={"username": user.username, "password": "correct-horse-1"})
    assert response.status_code == 429
    assert "Too many failed log-ins" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_forged_csrf_token_is_refused(client, make_user):
    user = make_user(role="operator")
    response = client.post(
        "/login", data={"username": user.username, "password": "correct-horse-1"},
        headers={"X-CSRFToken": "forged"},
    )
    assert response.status_code == 400
    assert "Reload the page" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_logout_needs_post_with_csrf(client_as):
    client = client_as("operator")
    assert client.post("/logout", csrf=False).status_code == 400
    assert client.get("/").status_code == 200
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302


@pytest.mark.parametrize(
    "role,path,status",
    [
        ("operator", "/reports/", 403),
        ("operator", "/admin/", 403),
        ("operator", "/receiving/", 403),
        ("receiver", "/reports/", 403),
        ("manager", "/admin/", 403),
        ("manager", "/reports/", 200),
        ("admin", "/reports/", 200),
        ("receiver", "/receiving/", 200),
        ("operator", "/scan/", 200),
    ],
)
def test_roles_are_checked_on_the_server(client_as, role, path, status):
    assert client_as(role).get(path).status_code == status


def test_expired_session_on_htmx_request_redirects_to_login(client):
    response = client.get("/catalog/", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login?next=")
    assert response.get_data() == b""


def test_session_cookie_is_httponly_and_samesite(client, make_user):
    user = make_user(role="operator")
    response = client.post("/login", data={"username": user.username, "password": "correct-horse-1"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_strict_content_security_policy_on_every_page(client):
    csp = client.get("/login").headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


def _example_url(rule) -> str:
    """Fill a rule's arguments with harmless values."""
    values = {}
    for name in rule.arguments:
        values[name] = 1 if isinstance(rule._converters[name], IntegerConverter) else "x"
    path = rule.rule
    for name, value in values.items():
        for pattern in (f"<int:{name}>", f"<path:{name}>", f"<string:{name}>", f"<{name}>"):
            path = path.replace(pattern, str(value))
    return path


def test_every_route_refuses_anonymous_users(app, client):
    """Walks the whole URL map: anything not explicitly public needs a login
    (pages redirect to it, the API answers 401 JSON, HTMX gets HX-Redirect)."""
    from portal.auth.access import PUBLIC_ENDPOINTS

    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS or rule.endpoint == "api.openapi_document":
            continue
        url = _example_url(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            if rule.endpoint.startswith("api."):
                assert response.status_code == 401, (method, url)
                assert response.json["error"]["code"] == "unauthorized"
            else:
                assert response.status_code == 302, (method, url, response.status_code)
                assert "/login" in response.headers["Location"]
            checked += 1
    assert checked >= 10
