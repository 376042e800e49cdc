"""Recalls benchmark (issue 14, Speed): against gunicorn (2 workers) with
1,000,000 serials in stock (bench/dataset.py: 8 suppliers, two warehouses),
on SQLite and PostgreSQL.

    python -m bench recalls                               # both databases
    BENCH_DBS=sqlite python -m bench recalls
    BENCH_SERIALS=100000 BENCH_QUARANTINE=5000 python -m bench recalls   # a quicker look

Timed as the client sees them:

- **Create and list**: ``POST /api/v1/recalls`` by supplier (every unit of
  BSUP1, about 1/8 of the 1.15M items: ~140,000 units at full size, more than
  the 100,000 of the target), then the recall's page as a manager (progress
  and the first 100 units). Target: the two together under 2 s. Also printed,
  without a target: the JSON of every unit (``GET /api/v1/recalls/<id>``) and
  the CSV of every unit.
- **Quarantine**: a recall by a list of 50,000 in-stock serials of BSUP2
  (its creation time printed: the list is looked up by serial key), then
  ``POST /api/v1/recalls/<id>/quarantine``. Target: under 5 s. The ledger is
  checked afterwards (one defect movement and one defect report with the
  reason recall per unit) and a second run answers 0.

Next to each figure is the 1-minute load average when it was taken.
"""

from __future__ import annotations

import os
import time

from sqlalchemy import create_engine, text

from bench import dataset
from bench.after_putaway import Row, load, print_summary
from bench.catalog import cookie_opener, log_in
from bench.scanning import Client

SERIALS = int(os.environ.get("BENCH_SERIALS", "1000000"))
DEFECTS = int(os.environ.get("BENCH_DEFECTS", "50000"))
QUARANTINE = int(os.environ.get("BENCH_QUARANTINE", "50000"))
DBS = [d.strip() for d in os.environ.get("BENCH_DBS", "sqlite,postgresql").split(",") if d.strip()]
BY_SUPPLIER, LISTED_SUPPLIER = "BSUP1", "BSUP2"
CREATE_AND_LIST_S, QUARANTINE_S = 2.0, 5.0


def in_stock_serials(url: str, supplier: str, n: int) -> list[str]:
    engine = create_engine(url)
    with engine.connect() as conn:
        serials = list(conn.execute(text(
            "SELECT i.serial FROM serial_items i JOIN suppliers s ON s.id = i.supplier_id "
            "WHERE s.code = :supplier AND i.status = 'in_stock' ORDER BY i.id LIMIT :n"),
            {"supplier": supplier, "n": n}).scalars())
    engine.dispose()
    return serials


def ledger_after(url: str, recall_id: int) -> tuple[int, int, int]:
    """(defect movements naming the recall, its defect reports, its units now defective)."""
    engine = create_engine(url)
    note = f"recall #{recall_id}"
    with engine.connect() as conn:
        moved = conn.execute(text("SELECT count(*) FROM movements WHERE kind = 'defect' AND note = :note"),
                             {"note": f"recall: {note}"}).scalar()
        reports = conn.execute(text("SELECT count(*) FROM defect_reports WHERE reason_code = 'recall' "
                                    "AND note = :note"), {"note": note}).scalar()
        defective = conn.execute(text(
            "SELECT count(*) FROM serial_items i JOIN recall_units u ON u.item_id = i.id "
            "WHERE u.recall_id = :rid AND i.status = 'defective'"), {"rid": recall_id}).scalar()
    engine.dispose()
    return moved, reports, defective


def _get(opener, url: str) -> tuple[float, int]:
    started = time.perf_counter()
    with opener.open(url) as response:  # noqa: S310 - local http
        size = len(response.read())
        assert response.status == 200
    return time.perf_counter() - started, size


def run(kind: str) -> list[Row]:
    rows: list[Row] = []

    def row(what: str, seconds: float, target: float, extra: str = "") -> None:
        rows.append(Row(kind, what, 1, seconds, seconds, target, "s", ("time  ", "     "), extra))
        print(rows[-1], flush=True)

    with dataset.database(kind) as url:
        info = dataset.load_warehouse(url, serials=SERIALS, defects=DEFECTS)
        print(f"[{kind}] loaded {info['counts']} in {info['load_seconds']} s"
              f"{' (cache)' if info.get('from_cache') else ''}", flush=True)
        listed = in_stock_serials(url, LISTED_SUPPLIER, QUARANTINE)
        assert len(listed) == QUARANTINE, f"only {len(listed)} in-stock serials of {LISTED_SUPPLIER}"
        with dataset.serve(url, workers=2) as base:
            api = Client(base, info["manager_token"])
            browser = cookie_opener()
            log_in(browser, base, "bench-manager", "bench-manager-1")
            api.request("GET", "/api/v1/recalls")  # warms the worker

            ms, status, opened = api.post("/api/v1/recalls", {"reason": "bench: recall by supplier",
                                                              "supplier": BY_SUPPLIER})
            assert status == 201, opened
            page_s, size = _get(browser, f"{base}/recalls/{opened['id']}")
            row(f"POST /recalls by supplier + its page, {opened['affected']:,} units", ms / 1000 + page_s,
                CREATE_AND_LIST_S, f"create {ms:.0f} ms, page {page_s * 1000:.0f} ms ({size / 1024:.0f} KB)")
            ms, status, shown = api.request("GET", f"/api/v1/recalls/{opened['id']}")
            assert status == 200 and len(shown["units"]) == opened["affected"]
            print(f"{kind:10} GET /api/v1/recalls/<id>, every unit in JSON: {ms:.0f} ms (no target)", flush=True)
            csv_s, size = _get(browser, f"{base}/recalls/{opened['id']}/units.csv")
            print(f"{kind:10} units.csv of every unit ({size / 1024 / 1024:.1f} MB): {csv_s * 1000:.0f} ms (no target)",
                  flush=True)

            ms, status, by_list = api.post("/api/v1/recalls", {"reason": "bench: recall by a list",
                                                               "serials": listed})
            assert status == 201 and by_list["affected"] == QUARANTINE, by_list
            print(f"{kind:10} POST /recalls with a list of {QUARANTINE:,} serials: {ms:.0f} ms (no target)",
                  flush=True)
            ms, status, answer = api.post(f"/api/v1/recalls/{by_list['id']}/quarantine")
            assert status == 200 and answer == {"quarantined": QUARANTINE}, answer
            moved, reports, defective = ledger_after(url, by_list["id"])
            row(f"POST /recalls/<id>/quarantine, {QUARANTINE:,} in stock", ms / 1000, QUARANTINE_S,
                f"ledger: {moved:,} movements, {reports:,} reports, {defective:,} defective")
            assert moved == reports == defective == QUARANTINE
            again, status, answer = api.post(f"/api/v1/recalls/{by_list['id']}/quarantine")
            assert status == 200 and answer == {"quarantined": 0}
            print(f"{kind:10} quarantine again: {again:.0f} ms, {answer}", flush=True)
    return rows


def main() -> None:
    print(f"Recalls benchmark: {SERIALS:,} serials in stock, {DEFECTS:,} defective, gunicorn 2 workers, "
          f"{os.cpu_count()} CPUs, load {load():.2f}", flush=True)
    print_summary([row for kind in DBS for row in run(kind)])


if __name__ == "__main__":
    main()
