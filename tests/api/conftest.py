"""API fixtures: a user with a token, and a client that sends it. Every
answer an API test receives through the app's test client is checked against
the generated OpenAPI document (its status declared for that path and method,
its body valid against that answer's schema)."""

from __future__ import annotations

import re

import jsonschema_rs
import pytest

from portal.api import URL_PREFIX
from portal.api.openapi import build_document
from portal.auth.services import issue_token
from portal.extensions import db
from portal.models import User
from tests.conftest import PortalClient


class AnswerOutsideTheDocument(AssertionError):
    pass


class OpenApiDocument:
    """The generated document, and a check of one answer against it."""

    def __init__(self, app):
        with app.test_request_context():
            self.document = build_document(app)
        self.templates = [
            (re.compile("^" + re.sub(r"\\{(\w+)\\}", r"[^/]+", re.escape(path)) + "$"), path)
            for path in self.document["paths"]
        ]
        # a concrete path wins over a template (/openapi.json before /{serial}-like ones)
        self.templates.sort(key=lambda pair: pair[1].count("{"))
        self.validators: dict = {}

    def operation(self, path: str, method: str):
        if path.startswith(f"{URL_PREFIX}/serials/"):  # <path:serial> may hold slashes
            for template, operations in self.document["paths"].items():  # /serials/{serial}/defects and the like
                tail = template.removeprefix("/serials/{serial}")
                if template.startswith("/serials/{serial}/") and path.endswith(tail) and method in operations:
                    return template, operations[method]
            return "/serials/{serial}", self.document["paths"]["/serials/{serial}"].get(method)
        for pattern, template in self.templates:
            if pattern.match(path.removeprefix(URL_PREFIX)):
                return template, self.document["paths"][template].get(method)
        return None, None

    def _validator(self, schema: dict):
        key = repr(schema)
        if key not in self.validators:
            self.validators[key] = jsonschema_rs.Draft202012Validator(
                {**schema, "components": self.document["components"]})
        return self.validators[key]

    def check(self, method: str, path: str, response) -> None:
        template, operation = self.operation(path, method)
        where = f"{method.upper()} {path} -> {response.status_code}"
        if operation is None:  # no such path or method: still the one error shape
            assert response.status_code in (404, 405), where
            self._validator({"$ref": "#/components/schemas/ErrorBody"}).validate(response.get_json())
            return
        answer = operation["responses"].get(str(response.status_code))
        if answer is None:
            raise AnswerOutsideTheDocument(f"{where}: status not declared for {method.upper()} {template}")
        content_type = response.mimetype
        declared = answer.get("content", {})
        if content_type not in declared:
            raise AnswerOutsideTheDocument(f"{where}: {content_type} not declared ({sorted(declared)})")
        if content_type == "application/json":
            errors = [e.message for e in self._validator(declared[content_type]["schema"]).iter_errors(
                response.get_json())]
            if errors:
                raise AnswerOutsideTheDocument(f"{where}: {errors[:3]}")


_documents: dict = {}


class DocumentCheckedClient(PortalClient):
    """The portal's test client; every /api/v1 answer is checked against the document."""

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        request = response.request
        if request.path.startswith(URL_PREFIX + "/"):
            document = _documents.setdefault(id(self.application), OpenApiDocument(self.application))
            document.check(request.method.lower(), request.path, response)
        return response


@pytest.fixture(autouse=True)
def _answers_match_the_document(request):
    """Every API test's answers are checked against the generated document."""
    if "app" in request.fixturenames:
        app = request.getfixturevalue("app")
        app.test_client_class = DocumentCheckedClient
    yield
    _documents.clear()


class ApiClient:
    """The test client with 'Authorization: Bearer <token>' on every request."""

    def __init__(self, client, token: str, user):
        self.client, self.token, self.user = client, token, user

    def _headers(self, extra=None):
        return {"Authorization": f"Bearer {self.token}", **(extra or {})}

    def get(self, path, **kwargs):
        return self.client.get(path, headers=self._headers(kwargs.pop("headers", None)), **kwargs)

    def post(self, path, **kwargs):
        return self.client.post(path, headers=self._headers(kwargs.pop("headers", None)), **kwargs)


@pytest.fixture
def issue(app):
    """issue(user) -> a fresh API token string for that user."""

    def make(user, name: str = "test") -> str:
        with app.app_context():
            _, token = issue_token(db.session, user=db.session.get(User, user.id), name=name)
            db.session.commit()
        return token

    return make


@pytest.fixture
def api_as(app, make_user, issue):
    """api_as("admin") -> an ApiClient for a new user of that role."""

    def make(role: str = "operator") -> ApiClient:
        user = make_user(role=role)
        return ApiClient(app.test_client(), issue(user), user)

    return make


@pytest.fixture
def channel_api(app, make_user, issue):
    """channel_api("WEB") -> an ApiClient for a new integration account of channel WEB (made if needed)."""

    def make(code: str | None = None) -> ApiClient:
        user = make_user(role="channel", channel=code)
        return ApiClient(app.test_client(), issue(user), user)

    return make
