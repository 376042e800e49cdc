"""In Chromium: an admin issues an API token on the admin page and sees it once."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_admin_issues_a_token_and_sees_it_once(page, live_server, make_user, browser_login):
    problems = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    make_user(role="manager", username="erp-sync")
    admin = make_user(role="admin")
    browser_login(page, live_server, admin)
    page.goto(f"{live_server}/admin/")

    # inline validation while typing a new user name
    page.fill("#new-username", "erp-sync")
    expect(page.locator("#username-check")).to_have_text("There is already a user called erp-sync.")

    page.select_option("#token-user", label="erp-sync (manager)")
    page.fill("#token-name", "ERP nightly")
    page.click("#new-token button[type=submit]")
    shown = page.locator("#issued-token")
    expect(shown).to_have_text(re.compile(r"^sp_[A-Za-z0-9_-]{40,}$"))
    token = shown.inner_text()
    expect(page.locator(".token-once")).to_contain_text("shown only this once")
    row = page.locator("#tokens tbody tr").filter(has_text="ERP nightly")
    expect(row).to_contain_text(token[:10])  # the list refreshed itself
    expect(row).to_contain_text("erp-sync")

    page.reload()
    expect(page.locator("#tokens")).to_contain_text("ERP nightly")
    assert token not in page.content()
    assert problems == []
