"""API fixtures: a user with a token, and a client that sends it."""

from __future__ import annotations

import pytest

from portal.auth.services import issue_token
from portal.extensions import db
from portal.models import User
from tests import dbstate


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
def db_snapshot(fresh):
    def take(**kwargs):
        with fresh() as session:
            return dbstate.snapshot(session, **kwargs)

    return take
