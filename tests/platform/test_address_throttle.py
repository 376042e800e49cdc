"""An address has its own, higher limit (a whole warehouse may share one),
and an admin lifts it from the admin page (issue 11.2)."""

import pytest
from sqlalchemy import select

from portal.models import LoginThrottle
from tests.platform.test_login_throttle import RIGHT, _attempt


@pytest.fixture
def app_config():
    return {"LOGIN_ADDRESS_MAX_FAILURES": 12}


def test_an_address_has_its_own_higher_limit_and_an_admin_lifts_it(client_as, make_user, app, fresh):
    user = make_user(role="operator")
    stranger = app.test_client()
    for n in range(12):
        assert _attempt(stranger, f"made-up-{n}", address="10.1.1.1").status_code == 401
    held = _attempt(stranger, user.username, RIGHT, address="10.1.1.1")
    assert held.status_code == 429 and "for this address" in held.get_data(as_text=True)
    assert _attempt(app.test_client(), user.username, RIGHT, address="10.2.2.2").status_code == 302

    admin = client_as("admin")
    page = admin.get("/admin/").get_data(as_text=True)
    assert "Held-back log-ins" in page and "10.1.1.1" in page
    with fresh() as s:
        throttle_id = s.scalar(select(LoginThrottle.id).where(LoginThrottle.key == "10.1.1.1"))
    lifted = admin.post(f"/admin/throttles/{throttle_id}/lift", headers={"HX-Request": "true"})
    assert lifted.status_code == 200 and "10.1.1.1 may log in again at once" in lifted.get_data(as_text=True)
    assert _attempt(stranger, user.username, RIGHT, address="10.1.1.1").status_code == 302
    again = admin.post(f"/admin/throttles/{throttle_id}/lift")
    assert again.status_code == 303  # already lifted: the page says so, nothing breaks
