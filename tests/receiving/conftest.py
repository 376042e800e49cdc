"""Fixtures of the receiving tests."""

import pytest


@pytest.fixture
def desk(client_as, make_supplier, make_warehouse, make_product):
    make_supplier(code="ACME", name="Acme Phones", trusted=True)
    make_warehouse(code="MAIN")
    make_product(sku="PHONE-1")
    return client_as("receiver")
