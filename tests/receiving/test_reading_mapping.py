"""A supplier's remembered column mapping never overrides what a file says (issue 11.1,
the reading part): resolve_mapping decides, and its notes say how."""

import pytest

from portal.receiving import supplier_lists as lists
from tests.receiving.files import csv_bytes


def _by_field(notes):
    return {n.field: n for n in notes}


def test_after_a_serial_only_first_list_a_serial_sku_cost_list_is_read_with_its_sku_and_cost():
    remembered = lists.Mapping(columns={"serial": 0}).as_json(["serial"])  # what the first list left behind
    raw = csv_bytes([["serial", "sku", "cost"], ["SN-1", "P-1", "12.50"], ["SN-2", "P-2", "3"]])
    table = lists.read_table(raw, mapping_hint=remembered)
    mapping, notes = lists.resolve_mapping(table.headers, remembered=remembered)
    assert mapping.columns == {"serial": 0, "sku": 1, "cost": 2}
    checked = lists.check_rows(table, mapping)
    assert checked.skus == ["P-1", "P-2"] and [str(c) for c in checked.costs] == ["12.50", "3.00"]
    assert {n.field: n.source for n in notes} == {"serial": "file", "sku": "file", "cost": "file"}
    # what the old way (the remembered mapping as a whole) did: serial only, SKU and cost dropped
    assert lists.Mapping.from_json(remembered, table.headers).columns == {"serial": 0}


def test_the_remembered_mapping_fills_in_where_the_file_header_does_not_decide():
    remembered = {"columns": {"serial": "Ref fab", "sku": "Modèle", "cost": "Tarif"}, "serial_kind": "imei"}
    headers = ["Ref fab", "Modèle", "Tarif", "Qty"]
    resolution = lists.resolve_mapping(headers, remembered=remembered)
    mapping, notes = resolution
    # "Modèle" is a SKU header by itself; "Ref fab" and "Tarif" are not headers anyone recognises
    assert mapping.columns == {"serial": 0, "sku": 1, "cost": 2}
    assert mapping.serial_kind == "imei"  # the receiver's IMEI choice, for the same serial column
    sources = {n.field: n.source for n in notes}
    assert sources == {"serial": "remembered", "sku": "file", "cost": "remembered"}
    assert "as remembered for this supplier" in _by_field(notes)["serial"].message
    assert resolution.disagreements == []


def test_where_the_file_header_disagrees_with_the_remembered_mapping_the_file_wins_and_a_note_says_so():
    remembered = {"columns": {"serial": "Code", "sku": "Serial"}}  # a mapping from a list laid out otherwise
    headers = ["Serial", "SKU", "Code"]
    resolution = lists.resolve_mapping(headers, remembered=remembered)
    assert resolution.mapping.columns == {"serial": 0, "sku": 1}
    notes = _by_field(resolution.notes)
    assert notes["serial"].source == "file_over_remembered" and notes["serial"].remembered == "Code"
    assert "this file's header “Serial” is used, not the column “Code” remembered" in notes["serial"].message
    assert notes["sku"].source == "file_over_remembered"
    assert {n.field for n in resolution.disagreements} == {"serial", "sku"}
    assert notes["serial"].as_dict()["source"] == "file_over_remembered"


def test_a_remembered_column_missing_from_the_file_is_noted():
    resolution = lists.resolve_mapping(["Serial", "SKU"], remembered={"columns": {"serial": "Serial",
                                                                                 "cost": "Price EUR"}})
    assert resolution.mapping.columns == {"serial": 0, "sku": 1}
    note = _by_field(resolution.notes)["cost"]
    assert note.source == "remembered_missing" and "not in this file" in note.message
    assert resolution.disagreements == [note]


def test_a_remembered_column_the_file_uses_for_something_else_is_not_taken():
    # remembered: the cost in "Order"; in this file "Order" is the PO by its own header
    resolution = lists.resolve_mapping(["Serial", "SKU", "Order"], remembered={"columns": {"cost": "Order"}})
    assert resolution.mapping.columns == {"serial": 0, "sku": 1, "po": 2}
    assert _by_field(resolution.notes)["cost"].source == "remembered_missing"


def test_an_explicit_mapping_decides_what_it_names_and_the_file_the_rest():
    headers = ["Seriennr.", "Artikel", "SKU", "Einzelpreis"]
    mapping, notes = lists.resolve_mapping(headers, explicit={"serial": "Seriennr.", "sku": "Artikel"},
                                           remembered={"columns": {"serial": "SKU"}})
    assert mapping.columns == {"serial": 0, "sku": 1, "cost": 3}  # "SKU" is taken by nothing: "Artikel" was chosen
    assert _by_field(notes)["sku"].source == "explicit"
    # the preview's form names every field; an empty one is deliberately not mapped
    mapping, notes = lists.resolve_mapping(headers, explicit={"columns": {
        "serial": "seriennr", "sku": None, "article": "", "cost": None, "po": None, "description": None,
        "carton": None}, "serial_kind": "imei"})
    assert mapping.columns == {"serial": 0} and mapping.serial_kind == "imei"
    # a column by its 0-based index, or by the preview's name for a column without a header
    assert lists.resolve_mapping(["Column 1", "Column 2"], explicit={"serial": "Column 2"}).mapping.columns == {
        "serial": 1}
    assert lists.resolve_mapping(headers, explicit={"serial": 2}).mapping.columns["serial"] == 2


@pytest.mark.parametrize("explicit", [{"serial": "Nope"}, {"serial": 9}, {"cost": "<script>"}])
def test_an_explicit_mapping_naming_a_column_the_file_lacks_is_refused(explicit):
    with pytest.raises(lists.UnreadableFile) as refused:
        lists.resolve_mapping(["Serial", "SKU"], explicit=explicit)
    assert refused.value.code == "unknown_column"
    assert "Its columns are: “Serial”, “SKU”" in refused.value.message


def test_no_serial_column_anywhere_is_refused_saying_what_to_do():
    with pytest.raises(lists.UnreadableFile) as refused:
        lists.resolve_mapping(["Artikel", "Menge"], remembered={"columns": {"serial": "Kennung"}})
    assert refused.value.code == "no_serial_column"
    assert "Pick the serial column" in refused.value.message
    assert refused.value.details["columns"] == ["Artikel", "Menge"]


def test_the_serial_kind_follows_the_header_then_the_remembered_choice():
    assert lists.resolve_mapping(["IMEI", "SKU"]).mapping.serial_kind == "imei"
    # the remembered IMEI choice was for another column: not carried over to this one
    mapping, _ = lists.resolve_mapping(["Serial", "Ref"], remembered={"columns": {"serial": "Ref"},
                                                                      "serial_kind": "imei"})
    assert mapping.columns["serial"] == 0 and mapping.serial_kind == "any"


def test_a_one_column_file_without_a_header_is_its_serial_column():
    table = lists.read_table(b"SN-1\nSN-2\n")
    mapping, notes = lists.resolve_mapping(table.headers, remembered={"columns": {"serial": "Serial"}})
    assert mapping.columns == {"serial": 0}
    assert lists.check_rows(table, mapping).serials == ["SN-1", "SN-2"]
