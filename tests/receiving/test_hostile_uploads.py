"""Hostile files through HTTP (issue 11.4 and 11.5, Bad input): on the receiving desk page
(``POST /receiving/uploads``) and the API (``POST /api/v1/receipts``) a file the reader
refuses is a 422 with the reader's clear message, and nothing is saved: no staged upload
(the file is not kept), no receipt, no item, no movement. Hostile-looking files that are
real lists are read.

The files are the ones the reader's own tests use (tests/receiving/hostile_files.py)."""

from __future__ import annotations

from html import unescape

import pytest

from tests.receiving.files import multipart
from tests.receiving.hostile_files import READ, REFUSED, HostileFile

HX = {"HX-Request": "true"}
#: what a request may change although it saves nothing: the token's last use
BOOKKEEPING = {"api_tokens": {"last_used_at"}}


def _body(hostile: HostileFile, **fields) -> dict:
    """The request's body and content type (multipart built by hand: the 7 MB bomb too)."""
    body, content_type = multipart(hostile.build(), hostile.file_name, supplier="ACME", warehouse="MAIN",
                                   reference="PO-HOSTILE", product="PHONE-1", **fields)
    return {"data": body, "content_type": content_type}


def desk_upload(desk, hostile: HostileFile, headers=HX):
    return desk.post("/receiving/uploads", headers=headers, **_body(hostile))


@pytest.fixture
def api_post(app, desk):
    """``api_post(hostile, **fields)``: the file sent to ``POST /api/v1/receipts`` with a receiver's token."""
    from portal.auth.services import issue_token
    from portal.extensions import db
    from portal.models import User

    with app.app_context():
        token = issue_token(db.session, user=db.session.get(User, desk.user.id), name="hostile")[1]
        db.session.commit()
    client = app.test_client()

    def post(hostile: HostileFile, **fields):
        return client.post("/api/v1/receipts", headers={"Authorization": f"Bearer {token}"}, csrf=False,
                           **_body(hostile, **fields))

    return post


@pytest.mark.parametrize("hostile", REFUSED, ids=lambda h: h.name)
def test_a_refused_file_on_the_desk_page_is_a_422_on_the_kept_form_and_nothing_is_saved(desk, db_snapshot, hostile):
    before = db_snapshot()
    fragment = desk_upload(desk, hostile)
    assert fragment.status_code == 422
    assert fragment.headers["X-Portal-Error"] == hostile.code
    assert fragment.headers["HX-Retarget"] == "#receipt-form"  # the form, in place of the form
    text = unescape(fragment.get_data(as_text=True))
    assert "<html" not in text and 'id="receipt-form"' in text
    assert hostile.says in text and 'role="alert" id="file-error"' in text  # the message, beside the file
    assert 'value="PO-HOSTILE"' in text  # what the receiver typed is kept: only another file is needed
    page = desk_upload(desk, hostile, headers={})  # without JavaScript: the whole page
    assert page.status_code == 422
    text = unescape(page.get_data(as_text=True))
    assert "<html" in text and 'id="receipt-form"' in text and hostile.says in text and 'value="PO-HOSTILE"' in text
    assert db_snapshot() == before  # no staged upload (the file is not kept), receipt, item or movement


@pytest.mark.parametrize("hostile", READ, ids=lambda h: h.name)
def test_a_hostile_looking_file_that_is_a_list_gets_its_preview_on_the_page(desk, hostile):
    response = desk_upload(desk, hostile)
    assert response.status_code == 200
    assert f'data-count="rows">{hostile.rows}<' in response.get_data(as_text=True)


@pytest.mark.parametrize("hostile", REFUSED, ids=lambda h: h.name)
def test_a_refused_file_through_the_api_is_a_422_naming_the_refusal_and_nothing_is_saved(api_post, db_snapshot,
                                                                                         hostile):
    before = db_snapshot(ignore=BOOKKEEPING)
    for dry_run in ("true", "false"):
        response = api_post(hostile, dry_run=dry_run)
        assert response.status_code == 422, dry_run
        error = response.get_json()["error"]
        assert error["code"] == hostile.code and response.headers["X-Portal-Error"] == hostile.code
        assert hostile.says in error["message"]
    assert db_snapshot(ignore=BOOKKEEPING) == before


@pytest.mark.parametrize("hostile", READ, ids=lambda h: h.name)
def test_a_hostile_looking_file_that_is_a_list_is_read_by_the_api(api_post, hostile):
    response = api_post(hostile, dry_run="true")
    assert response.status_code == 200
    assert response.get_json()["rows"] == hostile.rows
