"""Every page each role can open, over the demo warehouse, at 360 px and at
1280 px: no axe-core violation (issue 12.11), no sideways scrolling at 360 px
and touch targets of at least 44 px (issue 12.6). Scan pages and the device
check are measured by the scanning tests; they are in the axe run here."""

import re

import pytest

from tests.browser.conftest import PASSWORDS

pytestmark = pytest.mark.browser

HANDHELD = {"width": 360, "height": 740}
DESK = {"width": 1280, "height": 900}
SCAN_PAGES = ("scan ", "device check")
#: What a finger must hit: the top bar, pagers, a table's own actions, tabs.
TARGETS = ("header a, header button, nav a, nav button, .pager a, td.row-actions a, td button, "
           ".catalog-tabs a, .task, .glance a.count")
MIN_TARGET = 44


#: Links to whole pages from the navigation, the index pages and the home counts; each must be walked.
NAVIGATION = "header a, nav a, .catalog-tabs a, .catalog-links a, .report-cards a, .tasks a, .glance a"


def _open_pages(page, demo, role):
    """Each page the role may open (403s skipped), by name: first the log-in
    page, blank and with a refused attempt, then the role's pages. At the end,
    every page the navigation links to must have been among them: a new page
    is walked as soon as it is reachable (add it to tests/browser/conftest.py)."""
    walked, linked = set(), set()
    for name, path in demo.logged_out.items():
        page.goto(demo.url + path)
        walked.add(path)
        yield name
    username, _ = PASSWORDS[role]
    page.fill("#username", username)
    page.fill("#password", "not-the-password")
    page.click("button[type=submit]")
    page.locator("#login-form .message-error").wait_for()
    yield "log in, refused"
    demo.log_in(page, role)
    for name, path in demo.pages.items():
        response = page.goto(demo.url + path)
        if response.status == 403:
            continue
        walked.add(path.split("?")[0])
        linked.update(page.eval_on_selector_all(
            NAVIGATION, "links => links.map(a => new URL(a.href).pathname)"))
        yield name
    assert linked <= walked, f"pages linked from the navigation but not walked: {sorted(linked - walked)}"


def _small_targets(page) -> list[str]:
    return page.evaluate(
        """([selector, min]) => Array.from(document.querySelectorAll(selector))
            .filter(e => e.offsetParent !== null && !e.closest(".visually-hidden"))
            .map(e => [e, e.getBoundingClientRect()])
            .filter(([e, r]) => r.width < min - 0.5 || r.height < min - 0.5)
            .map(([e, r]) => `"${e.textContent.trim().replace(/\\s+/g, " ").slice(0, 30)}" ` +
                             `${Math.round(r.width)}x${Math.round(r.height)}`)""",
        [TARGETS, MIN_TARGET],
    )


@pytest.mark.parametrize("role", ["admin", "manager", "receiver", "operator"])
def test_every_page_fits_360_px_with_big_targets_and_no_axe_violations(page, demo_server, axe, role):
    problems = []
    seen = []
    for name in _open_pages(page, demo_server, role):
        seen.append(name)
        page.set_viewport_size(HANDHELD)
        problems += [f"{name} at 360 px: axe {v}" for v in axe(page)]
        if not name.startswith(SCAN_PAGES):
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > HANDHELD["width"]:
                problems.append(f"{name}: {width} px wide")
            problems += [f"{name}: target {t}" for t in _small_targets(page)]
        page.set_viewport_size(DESK)
        problems += [f"{name} at 1280 px: axe {v}" for v in axe(page)]
    assert {"log in", "log in, refused", "home", "items", "item in a bin"} <= set(seen)
    if problems:
        pytest.fail(f"{len(problems)} problems for the {role}:\n" + "\n".join(problems), pytrace=False)


def test_a_receiver_opens_a_receipt_from_its_home_row_and_an_item_leads_to_its_bin(page, demo_server):
    """Issue 12.10 at 360 px: a tap anywhere on a home receipt row opens the
    receipt; the item page's bin is a link to that bin."""
    from playwright.sync_api import expect

    page.set_viewport_size(HANDHELD)
    demo_server.log_in(page, "receiver")
    row = page.locator("section.receipts tr.linked-row").first
    reference = row.locator("a").inner_text()
    box = row.locator('td[data-label="Expected"]').bounding_box()
    page.mouse.click(box["x"] + 5, box["y"] + box["height"] / 2)  # not on the link text
    page.wait_for_url("**/receiving/receipts/*")
    expect(page.locator("h1")).to_contain_text(reference)

    page.goto(demo_server.url + demo_server.pages["item in a bin"])
    expect(page.locator("[data-in-bin]")).to_contain_text(re.compile(r"^in \S+ for [\d,]+ days?"))
    bin_code = page.locator("[data-in-bin] a").inner_text()
    page.locator("[data-in-bin] a").click()
    expect(page.locator("#bins-table td.code")).to_contain_text([bin_code])
