"""The manager's home (issue 12.8): each stock count leads to the items it
counts, and the value at cost names its currency."""

import re
from html import unescape

from portal.models import ItemStatus


def _stock_section(html: str) -> str:
    return html.split("Stock by status and warehouse")[1].split("</section>")[0]


def _warehouse(section: str, code: str) -> str:
    return section.split(f"<h3>{code} <span")[1].split("</table>")[0]


def _count_links(part: str) -> dict[str, tuple[str, str]]:
    """Status shown on the row -> (count shown, where its link leads)."""
    links = {}
    for row in re.findall(r"<tr>(.*?)</tr>", part, flags=re.S):
        status = re.search(r'<span class="status[^"]*">([^<]+)</span>', row)
        link = re.search(r'<a [^>]*href="([^"]+)"[^>]*>([\d,]+)</a>', row)
        if status and link:
            links[status.group(1)] = (link.group(2), unescape(link.group(1)))
    return links


def _listed(client, url: str) -> int:
    html = client.get(url).get_data(as_text=True)
    found = re.search(r"of ([\d,]+) items", html)
    return int(found.group(1).replace(",", "")) if found else 0


def test_each_stock_count_leads_to_the_items_it_counts(
        client_as, make_warehouse, make_bin, make_product, make_item):
    ams, rtm = make_warehouse(code="AMS1", name="Amsterdam"), make_warehouse(code="RTM1", name="Rotterdam")
    ams_bin, rtm_bin = make_bin(warehouse_id=ams.id), make_bin(warehouse_id=rtm.id)
    product = make_product(unit_cost="10.00")
    for _ in range(3):
        make_item(bin_id=ams_bin.id, product_id=product.id)
    make_item(bin_id=ams_bin.id, product_id=product.id, status=ItemStatus.DEFECTIVE)
    make_item(bin_id=rtm_bin.id, product_id=product.id)
    make_item(bin_id=rtm_bin.id, product_id=product.id, status=ItemStatus.DEFECTIVE)
    make_item(bin_id=rtm_bin.id, product_id=product.id, status=ItemStatus.DEFECTIVE)
    client = client_as("manager")
    section = _stock_section(client.get("/").get_data(as_text=True))

    ams_links, rtm_links = _count_links(_warehouse(section, "AMS1")), _count_links(_warehouse(section, "RTM1"))
    assert ams_links == {"in stock": ("3", "/items/?status=in_stock&warehouse=AMS1"),
                         "defective": ("1", "/items/?status=defective&warehouse=AMS1")}
    assert rtm_links == {"in stock": ("1", "/items/?status=in_stock&warehouse=RTM1"),
                         "defective": ("2", "/items/?status=defective&warehouse=RTM1")}
    for count, url in [*ams_links.values(), *rtm_links.values()]:
        assert _listed(client, url) == int(count), url


def test_a_count_of_nothing_is_no_link(client_as, make_warehouse, make_bin, make_item):
    warehouse = make_warehouse(code="AMS1")
    make_item(bin_id=make_bin(warehouse_id=warehouse.id).id)
    part = _warehouse(_stock_section(client_as("manager").get("/").get_data(as_text=True)), "AMS1")
    assert list(_count_links(part)) == ["in stock"]
    sold_row = next(r for r in part.split("<tr>") if ">sold<" in r)
    assert "<a " not in sold_row and ">0<" in sold_row


def test_value_at_cost_names_the_currency_the_reports_use(app, client_as, make_warehouse):
    make_warehouse(code="AMS1")
    client = client_as("manager")
    assert "Value at cost (EUR)" in _stock_section(client.get("/").get_data(as_text=True))
    app.config["CURRENCY"] = "CHF"
    assert "Value at cost (CHF)" in _stock_section(client.get("/").get_data(as_text=True))


def test_items_not_yet_in_a_warehouse_are_counted_without_a_link(client_as, make_item):
    """The item list filters by warehouse; it has no filter for "none yet", so
    a link would lead to a list that does not match the count."""
    make_item(status=ItemStatus.EXPECTED)
    section = _stock_section(client_as("manager").get("/").get_data(as_text=True))
    part = section.split("not yet in a warehouse")[1].split("</table>")[0]
    expected_row = next(r for r in part.split("<tr>") if ">expected<" in r)
    assert ">1<" in expected_row and "<a " not in part
