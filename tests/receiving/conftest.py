"""Fixtures of the receiving tests."""

import pytest


@pytest.fixture
def desk(client_as, make_supplier, make_warehouse, make_product):
    make_supplier(code="ACME", name="Acme Phones", trusted=True)
    make_warehouse(code="MAIN")
    make_product(sku="PHONE-1")
    return client_as("receiver")


@pytest.fixture
def open_desk(live_server, make_user, browser_login):
    """``open_desk(page, reference)``: a new receiver logs in, opens the receiving desk in the browser,
    chooses supplier ACME and types the receipt's reference."""

    def open_(page, reference: str) -> None:
        browser_login(page, live_server, make_user(role="receiver"))
        page.goto(f"{live_server}/receiving/")
        page.select_option("#supplier", "ACME")
        page.fill("#reference", reference)

    return open_
