"""Defects by supplier against the hand-worked fixed warehouse (conftest).

Cohort: units received in the last 364 days (a unit flagged before it was
ever received counts from its first report); defective = with a defect
report by the end of the period (its first report gives the reason).
  BAD    6 received, 5 defective (functional, 2 days each)
  EVIL   4 received (S-EXPD, S-E1, D-E1, D-E2), 2 defective (DOA 10 days; wrong item 0 days)
  ACME   9 received, 2 defective (functional 5 days; cosmetic 40 days, a later second report ignored)
  CLEAN  4 received (S-EXP, C-SOLD1..3), none defective; S-OLD (400 days) is outside the period
  SOLO   1 received (one unit), none defective
  overall 9 / 24 = 0.375
Wilson 95 % intervals worked by hand (z = 1.96):
  5/6 -> [0.4365, 0.9699] lower bound above 0.375: flagged
  2/4 -> [0.1500, 0.8500]   2/9 -> [0.0632, 0.5474]   0/4 -> [0, 0.4899]   0/1 -> [0, 0.7935]
"""

from datetime import date

import pytest

from portal.reports.defects import wilson_interval
from tests.reports.conftest import EVIL_NAME


@pytest.fixture
def report(fixed_warehouse, manager):
    start = fixed_warehouse.days_ago(364).isoformat()
    return manager.get(f"/reports/defects-by-supplier.json?date_from={start}").get_json()


def _rows(body, table):
    return body["tables"][table]["rows"]


def test_overall_figures(report):
    summary = report["summary"]
    assert summary["received"] == 24
    assert summary["defective"] == 9
    assert summary["rate"] == {"value": 0.375, "numerator": 9, "denominator": 24}
    assert summary["ppm"] == 375_000
    assert summary["median_days"] == 2.0  # 0, 2, 2, 2, 2, 2, 5, 10, 40
    assert summary["suppliers"] == 5
    assert summary["flagged"] == 1


def test_suppliers_ranked_by_the_lower_bound_with_intervals(report):
    rows = _rows(report, "suppliers")
    assert [r["supplier_code"] for r in rows] == ["BAD", "EVIL", "ACME", "CLEAN", "SOLO"]
    by_code = {r["supplier_code"]: r for r in rows}
    expected = {
        "BAD": (6, 5, 0.4365, 0.9699, "above overall", 2.0),
        "EVIL": (4, 2, 0.1500, 0.8500, "", 5.0),
        "ACME": (9, 2, 0.0632, 0.5474, "", 22.5),
        "CLEAN": (4, 0, 0.0, 0.4899, "", None),  # a supplier with no defects
        "SOLO": (1, 0, 0.0, 0.7935, "", None),  # a supplier with one unit
    }
    for code, (received, defective, low, high, flag, median) in expected.items():
        row = by_code[code]
        assert (row["received"], row["defective"]) == (received, defective), code
        assert row["rate"] == pytest.approx(defective / received)
        assert row["ppm"] == pytest.approx(1_000_000 * defective / received)
        assert row["interval"] == pytest.approx([low, high], abs=1e-4), code
        assert row["flag"] == flag
        assert row["median_days"] == median
    assert by_code["EVIL"]["supplier_name"] == EVIL_NAME


def test_wilson_interval_rules():
    assert wilson_interval(0, 0) is None
    low, high = wilson_interval(0, 1)
    assert low == 0 and high == pytest.approx(0.7935, abs=1e-4)
    low, high = wilson_interval(1, 1)
    assert low == pytest.approx(0.2065, abs=1e-4) and high == 1
    # by the raw rate 1 of 3 (33 %) beats 3,000 of 30,000 (10 %); by the lower bound it does not
    assert wilson_interval(1, 3)[0] < wilson_interval(3_000, 30_000)[0]
    low, high = wilson_interval(900, 30_000)
    assert low < 0.03 < high and high - low < 0.004


def test_breakdown_by_reason_and_product(report):
    reasons = {r["reason"]: r["defective"] for r in _rows(report, "reasons")}
    assert reasons == {"dead on arrival": 1, "functional": 6, "cosmetic": 1, "missing parts": 0,
                       "wrong item": 1, "other": 0}
    matrix = {r["supplier_code"]: r for r in _rows(report, "supplier_reasons")}
    assert matrix["ACME"]["functional"] == 1 and matrix["ACME"]["cosmetic"] == 1 and matrix["ACME"]["total"] == 2
    assert matrix["EVIL"]["dead_on_arrival"] == 1 and matrix["EVIL"]["wrong_item"] == 1
    assert matrix["BAD"]["functional"] == 5
    assert "CLEAN" not in matrix
    products = {(r["sku"], r["supplier_code"]): (r["received"], r["defective"]) for r in _rows(report, "products")}
    assert products == {
        ("P-100", "ACME"): (9, 2), ("P-100", "BAD"): (6, 5),
        ("P-100", "EVIL"): (1, 0), ("P-200", "EVIL"): (3, 2), ("P-200", "CLEAN"): (1, 0),
        ("P-300", "CLEAN"): (3, 0), ("P-300", "SOLO"): (1, 0),
    }


def test_month_by_month_trend(report, fixed_warehouse):
    months = _rows(report, "months")
    assert len(months) == 13  # the start month to this month
    assert sum(m["received"] for m in months) == 24
    assert sum(m["defective"] for m in months) == 9
    # the BAD batch arrived 20 days ago: its month holds 5 defective of 6 BAD units at least
    bad_month = fixed_warehouse.days_ago(20).strftime("%Y-%m")
    row = next(m for m in months if m["month"] == bad_month)
    assert row["defective"] >= 5 and row["received"] >= 6


def test_period_and_filters(fixed_warehouse, manager):
    def summary(query):
        return manager.get(f"/reports/defects-by-supplier.json?{query}").get_json()["summary"]

    start = fixed_warehouse.days_ago(364).isoformat()
    assert summary(f"date_from={start}&supplier=BAD")["received"] == 6
    # received in the last 30 days: S-TODAY, S-B30, BAD x6, D-E2 (first report 15 days ago)
    recent = summary(f"date_from={fixed_warehouse.days_ago(30).isoformat()}")
    assert (recent["received"], recent["defective"]) == (9, 6)
    # WH2: S-EXPD, D-E1, C-SOLD1..3 (their bin was in WH2)
    wh2 = summary(f"date_from={start}&warehouse=WH2")
    assert (wh2["received"], wh2["defective"]) == (5, 1)
    assert summary(f"date_from={start}&product=P-200")["received"] == 4


def test_defects_reported_after_the_period_do_not_count(fixed_warehouse, manager):
    # period ending 19 days ago: BAD's reports (18 days ago) are not in yet
    end = fixed_warehouse.days_ago(19).isoformat()
    start = fixed_warehouse.days_ago(364).isoformat()
    body = manager.get(f"/reports/defects-by-supplier.json?date_from={start}&date_to={end}").get_json()
    by_code = {r["supplier_code"]: r for r in _rows(body, "suppliers")}
    assert by_code["BAD"]["received"] == 6 and by_code["BAD"]["defective"] == 0


@pytest.mark.parametrize("query", ["date_from=2026-13-01", "date_to=2999-01-01", "date_from=1999-12-31",
                                   "supplier=%3Cscript%3E"])
def test_bad_periods(fixed_warehouse, client, query):
    answer = client.get(f"/api/v1/reports/defects-by-supplier?{query}",
                        headers={"Authorization": f"Bearer {fixed_warehouse.manager_token}"})
    assert answer.status_code == 422
    assert answer.get_json()["error"]["message"]


def test_start_after_end(fixed_warehouse, manager):
    answer = manager.get("/reports/defects-by-supplier?date_from=2024-05-02&date_to=2024-05-01")
    assert answer.status_code == 422
    assert "start comes after its end" in answer.get_data(as_text=True)


def test_default_period_is_twelve_months(fixed_warehouse, manager):
    body = manager.get("/reports/defects-by-supplier.json").get_json()
    today = fixed_warehouse.today
    first = date.fromisoformat(body["filters"]["date_from"])
    assert first.day == 1 and (today.year - first.year) * 12 + today.month - first.month == 11


def test_html_preview_escapes_and_flags(fixed_warehouse, manager):
    start = fixed_warehouse.days_ago(364).isoformat()
    html = manager.get(f"/reports/defects-by-supplier?date_from={start}").get_data(as_text=True)
    assert EVIL_NAME not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'class="flagged"' in html and "above overall" in html
    # every rate with its denominator
    assert '83.33 % <span class="of">of 6</span>' in html
    assert "37.5 % (9 of 24)" in html


def test_nothing_to_report(app, manager):
    body = manager.get("/reports/defects-by-supplier.json").get_json()
    assert body["empty"] is True and body["summary"]["received"] == 0
    assert body["summary"]["rate"] == {"value": None, "numerator": 0, "denominator": 0}
    assert "Nothing to report" in manager.get("/reports/defects-by-supplier").get_data(as_text=True)


def test_a_report_whose_scan_was_undone_is_kept_but_not_counted(fixed_warehouse, manager, app):
    """Undoing a defect scan marks its report undone (never deleted): the report
    leaves it out, and counts it again nowhere else."""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.models import DefectReport, SerialItem, Supplier, utcnow

    with app.app_context():
        first_bad = db.session.scalars(
            select(DefectReport).join(SerialItem, SerialItem.id == DefectReport.item_id)
            .join(Supplier, Supplier.id == SerialItem.supplier_id).where(Supplier.code == "BAD")
            .order_by(DefectReport.id).limit(1)
        ).one()
        first_bad.undone_at = utcnow()
        db.session.commit()
        kept = db.session.scalar(select(db.func.count()).select_from(DefectReport))
    start = fixed_warehouse.days_ago(364).isoformat()
    body = manager.get(f"/reports/defects-by-supplier.json?date_from={start}").get_json()
    by_code = {r["supplier_code"]: r for r in _rows(body, "suppliers")}
    assert (by_code["BAD"]["received"], by_code["BAD"]["defective"]) == (6, 4)
    assert body["summary"]["defective"] == 8
    assert kept > 0


def test_whiskers_explained_and_totals(fixed_warehouse, manager):
    start = fixed_warehouse.days_ago(364).isoformat()
    html = manager.get(f"/reports/defects-by-supplier?date_from={start}").get_data(as_text=True)
    assert "95 % interval (Wilson): the supplier&#39;s true rate lies in it 19 times in 20" in html
    assert "overall rate, all suppliers" in html
    suppliers = html.split('id="table-suppliers"', 1)[1].split("</section>", 1)[0]
    assert "Total (5 rows)" in suppliers and "37.50 %" in suppliers.split("<tfoot>", 1)[1]
    assert f'href="/items/?defect=yes&amp;received_from={start}' in html
