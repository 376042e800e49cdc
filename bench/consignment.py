"""Consignment benchmark (issue 14, Speed): a supplier's consignment
statement over 200,000 sold units in under 1 s, on SQLite and PostgreSQL,
against gunicorn (2 workers), with 1,000,000 serials in stock besides.

    python -m bench consignment                      # both databases
    BENCH_DBS=sqlite python -m bench consignment
    BENCH_SERIALS=100000 BENCH_CONSIGNMENT_SOLD=20000 python -m bench consignment   # a quicker look

On top of bench/dataset.py's warehouse (cached), supplier BCONS gets
BENCH_CONSIGNMENT_SOLD units sold on consignment over the last 300 days
(listed, received, shipped in the ledger) and a tenth as many on hand.
Timed as the client sees them, median of the rounds (worst printed too):

- ``GET /api/v1/consignment/BCONS``: the whole statement, every sale in one
  JSON answer. Target: under 1 s.
- The statement page ``/consignment/BCONS`` (a manager logged in): the
  figures and the first 200 sales. Target: under 1 s.
- Not targets, printed for the record: the CSV of every sale, and settling
  up to yesterday (``POST .../settlements``, once: it pays them all).
"""

from __future__ import annotations

import os
import random
import statistics
import time
from datetime import timedelta

from sqlalchemy import create_engine, text

from bench import dataset
from bench.after_putaway import Row, load, timed_gets, timed_pages
from bench.catalog import cookie_opener, log_in
from bench.scanning import Client

SERIALS = int(os.environ.get("BENCH_SERIALS", "1000000"))
SOLD = int(os.environ.get("BENCH_CONSIGNMENT_SOLD", "200000"))
DBS = [d.strip() for d in os.environ.get("BENCH_DBS", "sqlite,postgresql").split(",") if d.strip()]
SUPPLIER = "BCONS"
TARGET_S = 1.0


def add_consignment(url: str) -> int:
    """Supplier BCONS with SOLD sold consignment units and SOLD // 10 on hand, set-based. Answers the sold count."""
    rng = random.Random(14)
    engine = create_engine(url)
    with engine.begin() as conn:
        supplier_id = conn.execute(text("SELECT max(id) + 1 FROM suppliers")).scalar()
        conn.execute(text("INSERT INTO suppliers (id, code, name, trusted, active, created_at) "
                          "VALUES (:id, :code, 'Bench consignor', false, true, :at)"),
                     {"id": supplier_id, "code": SUPPLIER, "at": dataset.NOW})
        products = [row[0] for row in conn.execute(text("SELECT id FROM products"))]
        bins = [tuple(row) for row in conn.execute(text("SELECT id, warehouse_id FROM bins WHERE kind = 'storage'"))]
        first = conn.execute(text("SELECT max(id) + 1 FROM serial_items")).scalar()
        operator = conn.execute(text("SELECT id FROM users WHERE username = 'bench-operator'")).scalar()
        items, moves = [], []
        for n in range(SOLD + SOLD // 10):
            item_id = first + n
            sold = n < SOLD
            bin_id, warehouse_id = bins[rng.randrange(len(bins))]
            received = dataset.NOW - timedelta(days=rng.randint(20, 400), minutes=rng.randrange(1440))
            sold_at = min(received + timedelta(days=rng.randint(1, 60)), dataset.NOW) if sold else None
            cost = None if n % 3 else round(rng.uniform(10, 500), 2)
            items.append((item_id, f"CS{item_id:09d}", f"CS{item_id:09d}", products[n % len(products)], supplier_id,
                          warehouse_id, None if sold else bin_id, "sold" if sold else "in_stock", "regular",
                          "consignment", cost, received, sold_at, f"SO-C{item_id:08d}" if sold else None, received))
            moves.append((item_id, "listed", None, None, None, "expected", None, received - timedelta(days=1), None))
            moves.append((item_id, "received", None, bin_id, "expected", "in_stock", operator, received, None))
            if sold:
                moves.append((item_id, "shipped", bin_id, None, "in_stock", "sold", operator, sold_at,
                              f"order SO-C{item_id:08d}"))
        dataset._bulk(conn, "serial_items", ["id", "serial", "serial_key", "product_id", "supplier_id",
                                             "warehouse_id", "bin_id", "status", "condition", "ownership",
                                             "unit_cost", "received_at", "sold_at", "order_ref", "created_at"], items)
        dataset._bulk(conn, "movements", ["item_id", "kind", "from_bin_id", "to_bin_id", "from_status", "to_status",
                                          "actor_id", "at", "note"], moves)
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('serial_items', 'id'), "
                                 "(SELECT max(id) FROM serial_items))")
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    return SOLD


def run(kind: str) -> list[Row]:
    rows: list[Row] = []

    def row(what: str, times: list[float], extra: str = "") -> None:
        seconds = [t / 1000 for t in times]
        rows.append(Row(kind, what, len(times), statistics.median(seconds), max(seconds), TARGET_S, "s",
                        ("median", "worst"), extra))
        print(rows[-1], flush=True)

    with dataset.database(kind) as url:
        info = dataset.load_warehouse(url, serials=SERIALS)
        print(f"[{kind}] loaded {info['counts']} in {info['load_seconds']} s"
              f"{' (cache)' if info.get('from_cache') else ''}", flush=True)
        started = time.perf_counter()
        add_consignment(url)
        print(f"[{kind}] {SOLD:,} sold consignment units of {SUPPLIER} added in "
              f"{time.perf_counter() - started:.1f} s", flush=True)
        with dataset.serve(url, workers=2) as base:
            api = Client(base, info["manager_token"])
            times, body = timed_gets(api, f"/api/v1/consignment/{SUPPLIER}")
            assert len(body["sold"]) == SOLD, len(body["sold"])
            row("GET /api/v1/consignment/BCONS", times,
                f"{len(body['sold']):,} sales, owed {body['owed']}, on hand {body['on_hand']:,}")
            browser = cookie_opener()
            log_in(browser, base, "bench-manager", "bench-manager-1")
            times, size = timed_pages(browser, f"{base}/consignment/{SUPPLIER}")
            row("statement page /consignment/BCONS", times, f"{size / 1024:.0f} KB")
            started = time.perf_counter()
            with browser.open(f"{base}/consignment/{SUPPLIER}/statement.csv") as response:  # noqa: S310 - local
                size = len(response.read())
            print(f"{kind:10} CSV of every sale: {time.perf_counter() - started:.2f} s, {size / 1e6:.1f} MB "
                  "(no target)", flush=True)
            yesterday = (time.gmtime(time.time() - 86400))
            ms, status, made = api.post(f"/api/v1/consignment/{SUPPLIER}/settlements",
                                        {"until": time.strftime("%Y-%m-%d", yesterday), "reference": "BENCH-1"})
            assert status == 201 and made["units"] == SOLD, made
            print(f"{kind:10} settling {made['units']:,} sales: {ms / 1000:.2f} s (no target)", flush=True)
    return rows


def main() -> None:
    print(f"Consignment benchmark: {SERIALS:,} serials in stock, {SOLD:,} consignment sales, gunicorn 2 workers, "
          f"{os.cpu_count()} CPUs, load {load():.2f}", flush=True)
    rows: list[Row] = []
    for kind in DBS:
        rows += run(kind)
    print("\nSummary")
    print("\n".join(str(row) for row in rows))
    missed = [row for row in rows if not row.met]
    print(f"{len(rows) - len(missed)} of {len(rows)} targets met" + (
        ": missed " + "; ".join(f"{r.kind} {r.what}" for r in missed) if missed else ""))


if __name__ == "__main__":
    main()
