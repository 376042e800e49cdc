"""A user row's role change and password reset are WTForms forms: what they
refuse, they refuse with the account service's words, in the row, changing nothing."""

import pytest

from tests.admin.conftest import HX


@pytest.mark.parametrize(
    "data,message",
    [({"role": "emperor"}, "Unknown role &#39;emperor&#39;."), ({}, "Unknown role &#39;&#39;.")],
)
def test_an_unknown_role_is_refused_in_the_row(client_as, make_user, db_snapshot, data, message):
    eve = make_user(role="operator")
    admin = client_as("admin")
    before = db_snapshot()
    response = admin.post(f"/admin/users/{eve.id}/role", data=data, headers=HX)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert text.lstrip().startswith(f'<tr id="user-{eve.id}"') and message in text
    assert db_snapshot() == before


@pytest.mark.parametrize(
    "data,message",
    [
        ({"password": "seven-7"}, "A password needs at least 8 characters."),
        ({"password": ""}, "Type the new password."),
        ({}, "Type the new password."),
    ],
)
def test_a_short_or_missing_password_is_refused_in_the_row(client_as, make_user, db_snapshot, data, message):
    dora = make_user(role="operator")
    admin = client_as("admin")
    before = db_snapshot()
    response = admin.post(f"/admin/users/{dora.id}/password", data=data, headers=HX)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db_snapshot() == before


def test_a_refused_form_for_a_missing_user_is_not_found(client_as):
    admin = client_as("admin")
    assert admin.post("/admin/users/999999/role", data={"role": "emperor"}, headers=HX).status_code == 404
    assert admin.post("/admin/users/999999/password", data={"password": "x"}, headers=HX).status_code == 404
