"""Staged uploads: parsed once, checked again at commit, remembered mappings that
never override the file, article numbers, errors grouped by kind (both databases)."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from portal.errors import Conflict, Invalid
from portal.models import Movement, Product, Receipt, SerialItem, Supplier
from portal.receiving import services
from portal.receiving import supplier_lists as lists
from portal.receiving.models import StagedUpload, SupplierArticle
from tests.receiving.files import csv_bytes, xlsx_bytes


@pytest.fixture
def shipment(make_supplier, make_warehouse, make_product, make_user):
    return {"supplier": make_supplier(code="ACME"), "warehouse": make_warehouse(code="MAIN"),
            "product": make_product(sku="PHONE-1"), "other": make_product(sku="PHONE-2"),
            "user": make_user(role="receiver")}


def header(session, product="PHONE-1", reference="PO-1"):
    return services.receipt_header(session, supplier="ACME", warehouse="MAIN", reference=reference, product=product)


def counts(session) -> tuple[int, int, int]:
    return tuple(session.scalar(select(func.count()).select_from(t)) for t in (Receipt, SerialItem, Movement))


def test_the_file_is_parsed_once_at_upload_and_preview_remap_errors_and_commit_read_the_stored_rows(
        session, shipment, monkeypatch):
    raw = csv_bytes([["Serial", "SKU", "Cost"], ["S-1", "PHONE-2", "5.00"], ["S-2", "", ""], ["", "X", ""]])
    staged, preview = services.stage_upload(session, header=header(session), content=raw, file_name="l.csv",
                                            actor=None)
    session.commit()
    assert preview.valid == 2 and len(preview.errors) == 1
    assert staged.parsed is not None and services.unpack_table(staged.parsed)[0].rows[1] == ["S-1", "PHONE-2", "5.00"]

    def no_second_parse(*args, **kwargs):
        raise AssertionError("the file was parsed again")

    monkeypatch.setattr(lists, "read_table", no_second_parse)
    monkeypatch.setattr(lists, "read_text", no_second_parse)
    staged = session.get(StagedUpload, staged.id)
    assert services.preview_staged(session, staged).valid == 2
    services.remap_staged(session, staged=staged, columns={"serial": 0, "sku": 1}, serial_kind="any")
    session.commit()
    again = services.preview_staged(session, staged)
    assert again.valid == 2 and again.mapping.columns == {"serial": 0, "sku": 1}
    receipt, _ = services.commit_staged(session, staged=staged, actor=None, skip_invalid=True, expected_invalid=1)
    session.commit()
    assert receipt.skipped_rows == 1 and counts(session) == (1, 2, 2)


def test_a_supplier_deactivated_between_preview_and_commit_refuses_the_commit_and_saves_nothing(session, shipment):
    staged, preview = services.stage_upload(session, header=header(session), content=csv_bytes([["Serial"], ["A-1"]]),
                                            file_name="l.csv", actor=None)
    session.commit()
    assert preview.can_commit
    session.execute(update(Supplier).values(active=False))
    session.commit()
    with pytest.raises(Invalid) as refused:
        services.commit_staged(session, staged=session.get(StagedUpload, staged.id), actor=None, skip_invalid=False,
                               expected_invalid=0)
    assert refused.value.code == "header_changed" and "No active supplier has the code ACME" in refused.value.message
    session.rollback()
    assert counts(session) == (0, 0, 0) and session.get(StagedUpload, staged.id) is not None


def test_a_default_product_deactivated_or_a_reference_taken_since_the_preview_refuses_the_commit(session, shipment):
    staged, _ = services.stage_upload(session, header=header(session), content=csv_bytes([["Serial"], ["A-1"]]),
                                      file_name="l.csv", actor=None)
    session.commit()
    session.execute(update(Product).where(Product.sku == "PHONE-1").values(active=False))
    session.commit()
    with pytest.raises(Invalid, match="No active product has the SKU PHONE-1"):
        services.commit_staged(session, staged=staged, actor=None, skip_invalid=False, expected_invalid=0)
    session.rollback()
    session.execute(update(Product).values(active=True))
    # another upload with the same reference is committed first
    services.import_list(session, header=header(session), content=csv_bytes([["Serial"], ["B-1"]]),
                         file_name="other.csv", actor=None)
    session.commit()
    with pytest.raises(Conflict) as taken:
        services.commit_staged(session, staged=session.get(StagedUpload, staged.id), actor=None, skip_invalid=False,
                               expected_invalid=0)
    assert taken.value.code == "reference_taken"
    session.rollback()
    assert counts(session) == (1, 1, 1)


def test_a_remembered_serial_only_mapping_never_overrides_a_later_file_that_names_sku_and_cost(session, shipment):
    """Issue 11.1: the supplier's first list was serial-only; the second says serial,sku,cost."""
    services.import_list(session, header=header(session), content=csv_bytes([["Serial"], ["FIRST-1"]]),
                         file_name="first.csv", actor=None)
    session.commit()
    raw = csv_bytes([["serial", "sku", "cost"], ["SECOND-1", "PHONE-2", "12.50"], ["SECOND-2", "PHONE-2", "7"]])
    receipt, preview = services.import_list(session, header=header(session, product=None, reference="PO-2"),
                                            content=raw, file_name="second.csv", actor=None)
    session.commit()
    items = session.scalars(select(SerialItem).where(SerialItem.receipt_id == receipt.id).order_by(SerialItem.id))
    assert [(i.serial, i.product.sku, i.unit_cost) for i in items] == [
        ("SECOND-1", "PHONE-2", Decimal("12.50")), ("SECOND-2", "PHONE-2", Decimal("7.00"))]


def test_where_the_files_header_disagrees_with_the_remembered_mapping_the_file_wins_and_the_preview_says_so(
        session, shipment):
    remembered = {"columns": {"serial": "Ident", "sku": "Typ"}, "serial_kind": "any"}
    mapping, notes = services.resolve_mapping(["Ident", "Typ", "SKU"], remembered=remembered)
    assert mapping.columns == {"serial": 0, "sku": 2}
    assert notes == ["Serial: “Ident”, as remembered for this supplier.",
                     "SKU: this file's header “SKU” is used, not the column “Typ” remembered for this supplier."]


def test_an_explicit_mapping_wins_and_names_an_unknown_column_clearly(session, shipment):
    raw = csv_bytes([["Seriennr.", "Artikel", "Preis"], ["DE-1", "PHONE-2", "3,50"]], delimiter=";")
    preview = services.preview_list(session, header=header(session), content=raw, file_name="de.csv",
                                    mapping={"serial": "Seriennr.", "sku": "Artikel", "cost": "Preis"})
    assert preview.refusal is None and preview.valid == 1
    assert preview.checked.skus == ["PHONE-2"] and preview.checked.costs == [Decimal("3.50")]
    wrong = services.preview_list(session, header=header(session), content=raw, file_name="de.csv",
                                  mapping={"serial": "Serial No"})
    assert wrong.refusal.code == "unknown_column" and "“Serial No”" in wrong.refusal.message


def test_a_title_row_workbook_gets_its_header_row_chosen_and_any_column_mapped(session, shipment):
    raw = xlsx_bytes({"Lieferung": [["Lieferschein 4711"], ["Datum", "2026-12-01"], ["Nº", "Kennung", "Artikel"],
                                    [1, "K-1", "PHONE-2"], [2, "K-2", "PHONE-2"]]})
    staged, preview = services.stage_upload(session, header=header(session), content=raw, file_name="l.xlsx",
                                            actor=None)
    session.commit()
    assert preview.refusal.code == "no_serial_column" and not preview.header_found
    assert preview.raw_rows[2] == ["Nº", "Kennung", "Artikel"]  # the receiver sees the raw rows
    services.remap_staged(session, staged=staged, columns={}, header_row=2)
    session.commit()
    assert services.staged_column_names(staged) == ["Nº", "Kennung", "Artikel"]
    services.remap_staged(session, staged=staged, columns={"serial": 1, "sku": 2})
    session.commit()
    preview = services.preview_staged(session, staged)
    assert preview.refusal is None and preview.valid == 2 and preview.checked.serials == ["K-1", "K-2"]
    with pytest.raises(Invalid, match="one field only"):
        services.remap_staged(session, staged=staged, columns={"serial": 1, "sku": 1})


def test_unknown_article_numbers_are_mapped_to_a_product_once_per_supplier(session, shipment, make_supplier):
    raw = csv_bytes([["Serial", "Article"], ["AR-1", "ac-77"], ["AR-2", "AC-77"], ["AR-3", "PHONE-1"]])
    staged, preview = services.stage_upload(session, header=header(session, product=None), content=raw,
                                            file_name="a.csv", actor=None)
    session.commit()
    assert [e.code for e in preview.errors] == ["unknown_sku", "unknown_sku"]
    assert preview.unknown_articles == [("AC-77", 2)]
    with pytest.raises(Invalid, match="No active product has the SKU NOPE"):
        services.remember_articles(session, supplier=staged.supplier, products={"AC-77": "nope"})
    services.remember_articles(session, supplier=staged.supplier, products={"AC-77": "phone-2"})
    session.commit()
    preview = services.preview_staged(session, staged)
    assert preview.errors == [] and preview.valid == 3
    receipt, _ = services.commit_staged(session, staged=staged, actor=None, skip_invalid=False, expected_invalid=0)
    session.commit()
    assert session.scalars(select(Product.sku).join(SerialItem).where(SerialItem.serial == "AR-1")).one() == "PHONE-2"
    # another supplier's article numbers are its own
    make_supplier(code="OTHER")
    other = services.receipt_header(session, supplier="OTHER", warehouse="MAIN", reference="X", product=None)
    errors = services.preview_list(session, header=other, content=raw, file_name="b.csv").errors
    assert [e.row for e in errors if e.code == "unknown_sku"] == [2, 3]
    assert session.scalar(select(func.count()).select_from(SupplierArticle)) == 1


def test_errors_are_grouped_by_kind_and_an_error_on_every_row_suggests_the_mapping(session, shipment):
    rows = [["Serial", "Variante"]] + [[f"G-{i}", "PHONE-2"] for i in range(60)]
    preview = services.preview_list(session, header=header(session, product=None), content=csv_bytes(rows),
                                    file_name="g.csv")
    groups = preview.error_groups
    assert [(g.code, g.count, len(g.first)) for g in groups] == [("no_product", 60, 5)]
    assert preview.suggestions == [
        "No SKU on any row: map column “Variante” to SKU, or choose a default product for the receipt."]
