"""What a person does, in Debian's Chromium: log in, see their navigation,
and look a serial up with a handheld scanner (fast typing, then Enter)."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_operator_logs_in_and_sees_scan_tasks_not_reports(page, live_server, make_user, browser_login):
    user = make_user(role="operator")
    browser_login(page, live_server, user)
    nav = page.locator("nav.nav")
    expect(nav.get_by_role("link", name="Scan")).to_be_visible()
    expect(nav.get_by_role("link", name="Reports")).to_have_count(0)
    expect(nav.get_by_role("link", name="Admin")).to_have_count(0)


def test_manager_sees_reports_and_stock_at_a_glance(page, live_server, make_user, make_item, browser_login):
    make_item()
    user = make_user(role="manager")
    browser_login(page, live_server, user)
    expect(page.locator("nav.nav").get_by_role("link", name="Reports")).to_be_visible()
    expect(page.get_by_role("heading", name="Stock by status and warehouse")).to_be_visible()


def test_wrong_password_shows_a_clear_message(page, live_server, make_user):
    user = make_user(role="operator")
    page.goto(f"{live_server}/login")
    page.fill("#username", user.username)
    page.fill("#password", "not-the-password")
    page.click("button[type=submit]")
    expect(page.get_by_role("alert")).to_have_text("Wrong user name or password.")


def test_scanner_looks_up_a_serial_from_the_search_box(page, live_server, make_user, make_item, browser_login):
    item = make_item(serial="4CU0460D0G")
    user = make_user(role="operator")
    browser_login(page, live_server, user)
    page.goto(f"{live_server}/items/lookup")
    field = page.locator("#lookup-serial")
    expect(field).to_be_focused()
    page.keyboard.type("4cu0460d0g", delay=5)
    page.keyboard.press("Enter")
    expect(page.locator("h1.serial")).to_have_text(item.serial)
    expect(page.locator(".status")).to_have_text("in stock")


def test_no_console_errors_or_csp_violations(page, live_server, make_user, browser_login):
    """The context fixture (tests/conftest.py) fails the test on any console
    error, page error or CSP violation, a 404 page's own answer aside."""
    user = make_user(role="admin")
    browser_login(page, live_server, user)
    for path in ["/", "/catalog/", "/items/lookup?serial=nothing-here"]:
        page.goto(live_server + path)


def test_a_csp_violation_fails_the_test(page, live_server, make_user, browser_login, browser_problems):
    """The watch itself: an inline style set from script is reported."""
    browser_login(page, live_server, make_user(role="operator"))
    page.evaluate("document.body.setAttribute('style', 'color: red')")
    page.wait_for_function("true")
    page.close()
    assert any("style-src-attr" in p for p in browser_problems)
    browser_problems.clear()
