"""A file over the upload limit is refused in the browser before it is sent."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config():
    return {"MAX_UPLOAD_MB": 1}


def test_too_large_file_is_refused_with_a_clear_message(page, make_supplier, make_warehouse, open_desk):
    make_supplier(code="ACME")
    make_warehouse(code="MAIN")
    open_desk(page, "PO-1")
    page.set_input_files("#file", files=[{"name": "huge.csv", "mimeType": "text/csv",
                                          "buffer": b"Serial\n" + b"X" * (1024 * 1024 + 100)}])
    expect(page.locator("[data-upload-problem]")).to_contain_text("accepts at most 1 MB")
    sent = []
    page.on("request", lambda request: sent.append(request.url) if "/receiving/uploads" in request.url else None)
    page.get_by_role("button", name="Upload and preview").click()
    page.wait_for_timeout(500)
    assert sent == []  # nothing was uploaded: the limit is checked before sending
    expect(page.locator("[data-upload-problem]")).to_be_visible()
    expect(page.locator("#preview")).to_be_empty()
