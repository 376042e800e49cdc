"""Issue 14.6 and 14.7 at handheld width (360 px), in Chromium over the demo
warehouse: a manager corrects a serial on the item page, the old serial typed
into the look-up box still opens the item and its notice, and the as-of page
answers where it was."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

HANDHELD = {"width": 360, "height": 740}


def test_a_manager_corrects_a_serial_and_the_old_one_still_finds_it(page, demo_server):
    page.set_viewport_size(HANDHELD)
    demo_server.log_in(page, "manager")
    page.goto(demo_server.url + demo_server.pages["item in a bin"])
    old = page.locator("h1.serial").inner_text()
    new = f"{old}-FIXED"
    page.fill("#correct-serial", new)
    page.fill("#correct-note", "<b>typed wrong</b> at receipt")
    page.click("button:has-text('Correct the serial')")
    page.wait_for_url(re.compile(re.escape(new) + "$"))
    expect(page.locator("h1.serial")).to_have_text(new)
    notice = page.locator("[data-corrections]")
    expect(notice).to_contain_text(f"Corrected from {old} to {new}")
    expect(notice).to_contain_text("<b>typed wrong</b> at receipt")  # shown as typed, not as markup
    expect(page.locator(".timeline")).to_contain_text(f"{old} → {new}")
    assert page.evaluate("document.documentElement.scrollWidth") <= HANDHELD["width"]  # nothing sideways

    page.fill("#lookup-serial", old.lower())
    page.press("#lookup-serial", "Enter")
    page.wait_for_url(re.compile(re.escape(new) + "$"))
    expect(page.locator("[data-corrections]")).to_be_visible()

    page.goto(demo_server.url + "/items/as-of")
    page.fill("#serial", old)
    page.fill("#at", "2999-01-01T00:00")
    page.click("button:has-text('Show')")
    expect(page.locator("[data-as-of-item]")).to_contain_text(new)
    expect(page.locator("[data-as-of-status]")).to_have_text("in stock")
    assert page.evaluate("document.documentElement.scrollWidth") <= HANDHELD["width"]


def test_an_operator_sees_no_correction_form(page, demo_server):
    page.set_viewport_size(HANDHELD)
    demo_server.log_in(page, "operator")
    page.goto(demo_server.url + demo_server.pages["item sold"])
    expect(page.locator("#correct-serial")).to_have_count(0)
