"""A user row's role change and password reset are WTForms forms: what they
refuse, they refuse with the account service's words, in the row, changing nothing."""

import pytest

from tests.admin.conftest import HX


@pytest.mark.parametrize(
    "action,data,message",
    [
        ("role", {"role": "emperor"}, "Unknown role &#39;emperor&#39;."),
        ("role", {}, "Unknown role &#39;&#39;."),
        ("password", {"password": "seven-7"}, "A password needs at least 8 characters."),
        ("password", {"password": ""}, "Type the new password."),
        ("password", {}, "Type the new password."),
    ],
)
def test_a_bad_role_or_password_is_refused_in_the_row(client_as, make_user, db_snapshot, action, data, message):
    eve = make_user(role="operator")
    admin = client_as("admin")
    before = db_snapshot()
    response = admin.post(f"/admin/users/{eve.id}/{action}", data=data, headers=HX)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert text.lstrip().startswith(f'<tr id="user-{eve.id}"') and message in text
    assert db_snapshot() == before


@pytest.mark.parametrize("action,data", [("role", {"role": "emperor"}), ("password", {"password": "x"})])
def test_a_refused_form_for_a_missing_user_is_not_found(client_as, action, data):
    admin = client_as("admin")
    assert admin.post(f"/admin/users/999999/{action}", data=data, headers=HX).status_code == 404
