"""Defects by supplier, by the stage they were found at, and the returns to
each supplier with their credit status (issue 13 point 7), on both databases.

Built through the services a warehouse uses (scan station, repair, customer
returns, returns to the supplier), in WH-S, every unit received today unless said:
  supplier STG (name and numbers hostile: markup, a formula)
    R-1  flagged at receiving                                  -> receiving
    S-1  flagged at the scan station in storage                 -> storage
    S-2  flagged at the scan station, the scan undone           -> not counted (report withdrawn)
    C-1  sold, brought back by the customer defective           -> customer return
    M-1  flagged at receiving, repaired, sold, brought back defective -> receiving and customer return
    P-1  an older scan's report at "picking" (item left in stock)     -> storage
    G-1  good
  7 received, 5 defective (R-1 S-1 C-1 M-1 P-1): receiving 2, storage 2, customer return 2.
    X-1  (received 500 days ago) on return D, closed 400 days ago: before the period, not shown
  supplier OTH: Y-1 and Y-2 (received 500 days ago) on return E, shipped 200 days ago, no credit yet;
    Y-2 replaced today by Y-2R (received today: OTH has 1 unit received, none defective);
    Y-3 (received 500 days ago) on return F (opened T-12), taken off it at T-2.
Returns (T = today): A open (R-1, opened T-3); B shipped T-10 (S-1, opened T-20);
C closed T-5 with a credit note (C-1, M-1; opened T-30, shipped T-25); D, E and F as above.
Every line went on its return the day the return was opened.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from portal.customer_returns.services import take_return
from portal.defects import services as defects
from portal.extensions import db
from portal.models import DefectReport, SerialItem, utcnow
from portal.reports.services import build_report
from portal.scanning import services as scanning
from portal.supplier_returns import services as returns
from portal.supplier_returns.models import SupplierReturn, SupplierReturnLine, SupplierReturnRemoval
from portal.supplier_returns.replacements import link_replacement
from tests import factories

STG_NAME = "<b>Stage</b> & Sons"
RMA_A = "<b>RMA&A</b>"
CREDIT_NOTE = "=cmd|' /C calc'!A0"


@dataclass
class Setting:
    today: date
    return_ids: dict[str, int]

    def days_ago(self, n: int) -> date:
        return self.today - timedelta(days=n)


def _scan(s, actor, task, serial, **kwargs) -> dict:
    answer = scanning.record_scan(s, actor=actor, client_scan_id=uuid.uuid4().hex, task=task, code=serial,
                                  **kwargs)
    assert answer["result"] in ("accepted", "warning"), answer["message"]
    return answer


def _sell(s, actor, serial, order):
    _scan(s, actor, "ship", serial, order_ref=order, warehouse_code="WH-S")


def _backdate(s, return_id, **days_ago):
    """Move a return's times (and its lines' and removals' added_at, to its opening) into the past."""
    now = utcnow()
    s.execute(update(SupplierReturn).where(SupplierReturn.id == return_id)
              .values({f"{k}_at": now - timedelta(days=v) for k, v in days_ago.items()}))
    for table in (SupplierReturnLine, SupplierReturnRemoval):
        s.execute(update(table).where(table.return_id == return_id)
                  .values(added_at=now - timedelta(days=days_ago["created"])))


def build_setting(s) -> dict[str, int]:
    """The warehouse of the module docstring, in session ``s`` (flushed, not committed)."""
    operator = factories.user(s, role="operator")
    receiver = factories.user(s, role="receiver")
    warehouse = factories.warehouse(s, code="WH-S", name="South")
    shelf = factories.bin_(s, warehouse_id=warehouse.id, code="A-01-1")
    stg = factories.supplier(s, code="STG", name=STG_NAME)
    oth = factories.supplier(s, code="OTH", name="Other Ltd")
    product = factories.product(s, sku="SKU-S", name="Drill")
    long_ago = utcnow() - timedelta(days=500)

    def unit(serial, supplier=stg, received_at=None):
        return factories.item(s, serial=serial, product_id=product.id, supplier_id=supplier.id, bin_id=shelf.id,
                              received_at=received_at)

    r1, s1, s2, c1, m1, p1, _ = (unit(n) for n in ("R-1", "S-1", "S-2", "C-1", "M-1", "P-1", "G-1"))
    x1, y1, y2, y3 = (unit("X-1", received_at=long_ago), *(unit(n, oth, received_at=long_ago)
                                                           for n in ("Y-1", "Y-2", "Y-3")))
    defects.flag_defect(s, item=r1, reason="dead_on_arrival", stage="receiving", actor=receiver)
    _scan(s, operator, "defect", "S-1", defect_reason="functional", warehouse_code="WH-S")
    undone = _scan(s, operator, "defect", "S-2", defect_reason="cosmetic", warehouse_code="WH-S")
    assert scanning.undo_scan(s, actor=operator, client_scan_id=uuid.uuid4().hex,
                              target_scan_id=undone["client_scan_id"], page_task="defect")["result"] == "accepted"
    _sell(s, operator, "C-1", "SO-1")
    take_return(s, serial="C-1", outcome="defective", reason="functional", actor=operator)
    defects.flag_defect(s, item=m1, reason="cosmetic", stage="receiving", actor=receiver)
    defects.repair(s, item=m1, warehouse="WH-S", bin_code="A-01-1", actor=receiver)
    _sell(s, operator, "M-1", "SO-2")
    take_return(s, serial="M-1", order_ref="SO-2", outcome="defective", reason="functional", actor=operator)
    s.add(DefectReport(item_id=p1.id, reason_code="other", stage_found="picking"))  # as the old scans filed it
    for item in (x1, y1, y2, y3):
        defects.flag_defect(s, item=item, reason="functional", stage="storage", actor=receiver)
    s.flush()

    def sent_back(supplier, serials, rma, *, ship=False, credit_note=None, close=False):
        found = returns.open_return(s, supplier=supplier, warehouse="WH-S", rma_number=rma, actor=receiver)
        for serial in serials:
            returns.add_item(s, return_id=found.id, serial=serial, actor=receiver)
        if ship:
            returns.ship(s, return_id=found.id, actor=receiver)
        if close:
            returns.close(s, return_id=found.id, credit_note=credit_note)
        return found.id

    ids = {
        "A": sent_back("STG", ["R-1"], RMA_A),
        "B": sent_back("STG", ["S-1"], "RMA-B", ship=True),
        "C": sent_back("STG", ["C-1", "M-1"], "RMA-C", ship=True, close=True, credit_note=CREDIT_NOTE),
        "D": sent_back("STG", ["X-1"], "RMA-D", ship=True, close=True, credit_note="CN-OLD"),
        "E": sent_back("OTH", ["Y-1", "Y-2"], "RMA-E", ship=True),
        "F": sent_back("OTH", ["Y-3"], "RMA-F"),
    }
    returns.remove_item(s, return_id=ids["F"], serial="Y-3", actor=receiver)
    unit("Y-2R", oth)
    link_replacement(s, serial="Y-2", replacement_serial="Y-2R", actor=receiver)
    s.flush()
    _backdate(s, ids["A"], created=3)
    _backdate(s, ids["B"], created=20, shipped=10)
    _backdate(s, ids["C"], created=30, shipped=25, closed=5)
    _backdate(s, ids["D"], created=420, shipped=410, closed=400)
    _backdate(s, ids["E"], created=210, shipped=200)
    _backdate(s, ids["F"], created=12)
    s.execute(update(SupplierReturnRemoval).values(removed_at=utcnow() - timedelta(days=2)))
    s.flush()
    return ids


@pytest.fixture
def setting(app) -> Setting:
    with app.app_context():
        ids = build_setting(db.session)
        db.session.commit()
        return Setting(today=utcnow().date(), return_ids=ids)


def _report(manager, query=""):
    body = manager.get(f"/reports/defects-by-supplier.json?{query}")
    assert body.status_code == 200, body.get_data(as_text=True)
    return body.get_json()


def _by(body, table, key="supplier_code"):
    return {row[key]: row for row in body["tables"][table]["rows"]}


def test_defects_counted_at_every_stage_and_once_in_total(setting, manager):
    body = _report(manager)
    stg = _by(body, "stages")["STG"]
    assert (stg["received"], stg["defective"]) == (7, 5)
    assert (stg["receiving"], stg["storage"], stg["customer_return"]) == (2, 2, 2)
    assert stg["rate"] == pytest.approx(5 / 7) and stg["supplier_name"] == STG_NAME
    assert (_by(body, "suppliers")["STG"]["received"], _by(body, "suppliers")["STG"]["defective"]) == (7, 5)
    summary = body["summary"]
    assert (summary["receiving"], summary["storage"], summary["customer_return"]) == (2, 2, 2)
    assert summary["defective"] == 5
    totals = body["tables"]["stages"]["totals"]
    assert (totals["received"], totals["defective"], totals["customer_return"]) == (8, 5, 2)  # with Y-2R


def test_a_withdrawn_defect_report_is_kept_and_not_counted(setting, manager, fresh):
    with fresh() as s:
        s2 = s.scalars(select(DefectReport).join(SerialItem, SerialItem.id == DefectReport.item_id)
                       .where(SerialItem.serial == "S-2")).one()
        assert s2.undone_at is not None  # withdrawn, never deleted
    body = _report(manager, "product=SKU-S&supplier=STG")
    assert _by(body, "stages")["STG"]["storage"] == 2  # S-1 and the picking report P-1, not S-2


def test_returns_to_each_supplier_with_their_credit_status(setting, manager):
    body = _report(manager)
    owed = _by(body, "supplier_returns")
    assert list(owed) == ["STG", "OTH"]  # the report's ranking first, then suppliers with returns only
    stg, oth = owed["STG"], owed["OTH"]
    assert (stg["open_units"], stg["awaiting_units"], stg["oldest_awaiting_days"]) == (1, 1, 10)
    assert (stg["replaced_units"], stg["credited_units"], stg["credit_notes"], stg["uncredited_units"]) == (
        0, 2, CREDIT_NOTE, 0)
    # Y-2 was replaced: settled, no longer owed; Y-3 was taken off F
    assert (oth["open_units"], oth["awaiting_units"], oth["oldest_awaiting_days"], oth["replaced_units"],
            oth["credited_units"]) == (0, 1, 200, 1, 0)
    listed = body["tables"]["returns"]["rows"]
    ids = setting.return_ids
    # awaiting credit first, oldest shipment first; D was closed before the period: not shown
    assert [r["return_no"] for r in listed] == [f"#{ids[k]}" for k in ("E", "B", "A", "F", "C")]
    e = listed[0]
    assert (e["state"], e["units"], e["replaced"], e["days_awaiting"]) == ("awaiting credit", 2, 1, 200)
    c = listed[-1]
    assert (c["state"], c["units"], c["credit_note"], c["rma_number"]) == ("credited", 2, CREDIT_NOTE, "RMA-C")
    assert c["shipped_on"] == setting.days_ago(25).isoformat() and c["days_awaiting"] is None
    assert (listed[2]["state"], listed[2]["rma_number"], listed[2]["shipped_on"]) == ("open", RMA_A, None)
    assert (listed[3]["state"], listed[3]["units"]) == ("open", 0)
    summary = body["summary"]
    assert (summary["open_return_units"], summary["awaiting_credit_units"], summary["oldest_awaiting_days"],
            summary["replaced_units"], summary["credited_units"]) == (1, 2, 200, 1, 2)


def test_returns_are_taken_in_their_state_at_the_period_end(setting, manager):
    end = setting.days_ago(7).isoformat()
    body = _report(manager, f"date_to={end}")
    ids = setting.return_ids
    listed = {r["return_no"]: r for r in body["tables"]["returns"]["rows"]}
    assert f"#{ids['A']}" not in listed  # opened after the period
    c = listed[f"#{ids['C']}"]  # closed after the period: still awaiting its credit then
    assert (c["state"], c["days_awaiting"], c["credit_note"]) == ("awaiting credit", 18, None)
    assert listed[f"#{ids['B']}"]["days_awaiting"] == 3
    stg, oth = _by(body, "supplier_returns")["STG"], _by(body, "supplier_returns")["OTH"]
    assert (stg["open_units"], stg["awaiting_units"], stg["credited_units"], stg["credit_notes"]) == (0, 3, 0, "")
    # Y-3 was still on F then (taken off at T-2); Y-2 not replaced yet (linked today)
    assert (oth["open_units"], oth["awaiting_units"], oth["replaced_units"]) == (1, 2, 0)
    assert listed[f"#{ids['F']}"]["units"] == 1
    # a period starting after D's closing and E's shipping: E still owed, D gone
    recent = _report(manager, f"date_from={setting.days_ago(30).isoformat()}")
    assert _by(recent, "supplier_returns")["OTH"]["awaiting_units"] == 1
    assert f"#{ids['D']}" not in {r["return_no"] for r in recent["tables"]["returns"]["rows"]}
    assert recent["empty"] is False


def test_returns_follow_the_filters(setting, manager, make_warehouse, make_product):
    make_warehouse(code="WH-N")
    assert _report(manager, "warehouse=WH-N")["tables"]["returns"]["rows"] == []
    assert len(_report(manager, "warehouse=WH-S")["tables"]["returns"]["rows"]) == 5
    assert list(_by(_report(manager, "supplier=OTH"), "supplier_returns")) == ["OTH"]
    other = make_product(sku="SKU-T")  # nothing of it on any return
    assert _report(manager, f"product={other.sku}")["tables"]["returns"]["rows"] == []
    assert _by(_report(manager, "product=SKU-S"), "supplier_returns")["STG"]["credited_units"] == 2


def test_only_returns_is_not_nothing_to_report(app, manager):
    with app.app_context():
        build_setting(db.session)
        db.session.execute(update(SerialItem).values(received_at=utcnow() - timedelta(days=900)))
        db.session.execute(update(DefectReport).values(reported_at=utcnow() - timedelta(days=900)))
        db.session.commit()
    body = _report(manager)
    assert body["summary"]["received"] == 0 and body["empty"] is False
    assert body["summary"]["awaiting_credit_units"] == 2
    html = manager.get("/reports/defects-by-supplier").get_data(as_text=True)
    assert "Nothing to report" not in html and "what each supplier still owes" in html


def test_page_escapes_supplier_rma_and_credit_note(setting, manager):
    html = manager.get("/reports/defects-by-supplier").get_data(as_text=True)
    assert STG_NAME not in html and RMA_A not in html
    assert "&lt;b&gt;Stage&lt;/b&gt; &amp; Sons" in html
    assert "&lt;b&gt;RMA&amp;A&lt;/b&gt;" in html
    assert "=cmd|&#39; /C calc&#39;!A0" in html  # shown as typed; only the downloads neutralise formulas
    assert 'href="#table-stages"' in html and 'href="#table-supplier_returns"' in html


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_pdf_shows_stages_and_returns_as_text(setting, manager, pdf_text, tmp_path, weasyprint_warnings):
    response = manager.get("/reports/defects-by-supplier.pdf")
    assert response.status_code == 200
    text = _squash(" ".join(pdf_text(response.data, tmp_path)))
    ids = setting.return_ids
    for expected in [
        "Found at receiving 2", "Found in storage 2", "Found on customer return 2",
        "Units on open returns to suppliers 1", "Units shipped back, awaiting credit 2",
        "Oldest shipment awaiting credit 200 days", "Units replaced by the supplier 1", "Units credited 2",
        f"STG {STG_NAME} 7 2 2 2 5 71.43 % of 7",
        f"STG {STG_NAME} 1 1 10 0 2 {CREDIT_NOTE} 0",
        "OTH Other Ltd 0 1 200 1 0 0",
        f"#{ids['E']} OTH WH-S RMA-E awaiting credit 2 1 {setting.days_ago(210).isoformat()} "
        f"{setting.days_ago(200).isoformat()} 200",
        f"#{ids['A']} STG WH-S {RMA_A} open 1 0 {setting.days_ago(3).isoformat()} – –",
        f"#{ids['C']} STG WH-S RMA-C credited 2 0 {setting.days_ago(30).isoformat()} "
        f"{setting.days_ago(25).isoformat()} – {CREDIT_NOTE}",
        "Total (5 rows) 6 1",
    ]:
        assert expected in text, expected
    assert weasyprint_warnings == []


def _csv(response) -> list[list[str]]:
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_downloads_neutralise_formulas_in_credit_notes(setting, manager):
    owed = _csv(manager.get("/reports/defects-by-supplier.csv?table=supplier_returns"))
    assert owed[0] == ["Code", "Supplier", "On open returns", "Shipped, awaiting credit", "Oldest awaiting credit",
                       "Replaced", "Credited", "Credit notes", "Closed, no credit note"]
    assert owed[1] == ["STG", STG_NAME, "1", "1", "10", "0", "2", "'" + CREDIT_NOTE, "0"]
    listed = _csv(manager.get("/reports/defects-by-supplier.csv?table=returns"))
    assert [row[-1] for row in listed[1:] if row[-1]] == ["'" + CREDIT_NOTE]
    assert RMA_A in [row[4] for row in listed]
    stages = _csv(manager.get("/reports/defects-by-supplier.csv?table=stages"))
    assert stages[0][:7] == ["Code", "Supplier", "Received", "At receiving", "In storage", "On customer return",
                             "Defective"]
    book = load_workbook(io.BytesIO(manager.get("/reports/defects-by-supplier.xlsx").data))
    assert book.sheetnames == ["Report", "suppliers", "stages", "supplier_returns", "reasons", "supplier_reasons",
                               "products", "months", "returns"]
    cells = [c.value for sheet in ("supplier_returns", "returns") for row in book[sheet].iter_rows() for c in row]
    assert "'" + CREDIT_NOTE in cells
    assert not any(isinstance(v, str) and v.startswith("=") for v in cells)


def test_statement_count_does_not_grow_with_suppliers(setting, app, statements):
    def count() -> int:
        with app.app_context(), statements() as seen:
            build_report(db.session, "defects-by-supplier", {}, config=app.config)
            db.session.rollback()
        return len(seen)

    before = count()
    with app.app_context():
        s = db.session
        shelf = factories.bin_(s, warehouse_id=factories.warehouse(s, code="WH-M").id, code="A-01-1")
        for n in range(4):
            supplier = factories.supplier(s, code=f"MORE{n}")
            for serial in (f"MORE{n}-1", f"MORE{n}-2"):
                item = factories.item(s, serial=serial, supplier_id=supplier.id, bin_id=shelf.id)
                defects.flag_defect(s, item=item, reason="functional", stage="storage", actor=None)
            found = returns.open_return(s, supplier=supplier.code, warehouse="WH-M", rma_number=None, actor=None)
            returns.add_item(s, return_id=found.id, serial=f"MORE{n}-1", actor=None)
        s.commit()
    assert count() == before
