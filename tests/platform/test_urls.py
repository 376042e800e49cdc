"""Out-of-range ids in any URL are a 404 and non-ASCII digits in a page
number a clear 422, never a 500 (issue 11.5)."""

from __future__ import annotations

import pytest
from werkzeug.routing import IntegerConverter

ID_LIMIT = 2**31 - 1


def _int_rules(app):
    for rule in app.url_map.iter_rules():
        ints = [n for n, c in rule._converters.items() if isinstance(c, IntegerConverter)]
        if ints:
            yield rule, ints


def _url(rule, ints, value) -> str:
    path = rule.rule
    for name in ints:
        path = path.replace(f"<int:{name}>", str(value))
    for name in rule.arguments - set(ints):
        path = path.replace(f"<{name}>", "x").replace(f"<string:{name}>", "x").replace(f"<path:{name}>", "x")
    return path


@pytest.mark.parametrize("value", [2**31, 2**63, 10**30])
def test_an_id_beyond_the_database_range_is_404_on_every_route(app, client_as, value):
    admin = client_as("admin")
    checked = 0
    for rule, ints in _int_rules(app):
        url = _url(rule, ints, value)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = admin.open(url, method=method)
            assert response.status_code == 404, (method, url, response.status_code)
            checked += 1
    assert checked >= 15  # receipts, staged uploads, users, tokens, catalog, items...


def test_the_largest_id_is_an_ordinary_not_found(app, client_as):
    admin = client_as("admin")
    for rule, ints in _int_rules(app):
        if "GET" in rule.methods:
            url = _url(rule, ints, ID_LIMIT)
            response = admin.get(url)
            assert response.status_code < 500, (url, response.status_code)


@pytest.mark.parametrize("page", ["²", "٣", "１", "-1", "1e3", "0x10", "abc", "<script>"])
def test_a_page_number_that_is_not_ascii_digits_is_refused_on_every_paged_list(client_as, make_warehouse, page):
    user = client_as("operator")
    warehouse = make_warehouse()
    for path in ("/catalog/suppliers", "/catalog/products", "/catalog/warehouses",
                 f"/catalog/warehouses/{warehouse.id}/bins"):
        response = user.get(path, query_string={"page": page})
        assert response.status_code == 422, (path, page)
        assert "page must be a whole number" in response.get_data(as_text=True)
        assert response.headers["X-Portal-Error"] == "invalid_number"


def test_a_huge_ascii_page_number_lands_on_the_last_page(client_as):
    user = client_as("operator")
    assert user.get("/catalog/suppliers", query_string={"page": "9" * 5000}).status_code == 200


def test_whole_number_is_the_one_parser_for_list_arguments():
    from portal.errors import Invalid
    from portal.web.pagination import whole_number

    assert whole_number(None, name="limit", default=50) == 50
    assert whole_number(" 20 ", name="limit", default=50, maximum=500) == 20
    assert whole_number("100000", name="limit", default=50, maximum=500) == 500
    with pytest.raises(Invalid, match="limit must be a whole number"):
        whole_number("²", name="limit", default=50)
