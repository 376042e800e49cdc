"""Transfers benchmark (issue 14, Speed): dispatching a transfer of 10,000
serials, against gunicorn (2 workers) with 1,000,000 serials loaded, on SQLite
and PostgreSQL.

    python -m bench transfers                       # both databases
    BENCH_DBS=sqlite python -m bench transfers
    BENCH_SERIALS=100000 BENCH_DEFECTS=5000 python -m bench transfers   # a quicker look

- ``POST /api/v1/transfers/<id>/items``: in-stock serials of BWH0 put on a
  fresh transfer one after another (the answer: the unit's line and the
  transfer's counts). p50 and p95, for information (the issue sets no target).
- ``POST /api/v1/transfers/<id>/dispatch`` of a transfer holding 10,000
  serials (its lines written straight into the table beforehand: adding them
  through the API is what the previous figure times), answer included (every
  line with its state). Target: under 2 s. The ledger is checked afterwards
  (10,000 dispatched movements, every unit in transit, still in BWH0), and a
  second dispatch (a double click) writes nothing.
- ``POST /api/v1/transfers/<id>/receive`` of 100 of those units into a bin of
  BWH1 (the answer: the unit's line and the counts), for information; then
  ``POST /close`` (the rest marked missing, in bulk). Target for close: under
  2 s, like dispatch.

Next to each figure is the 1-minute load average when it was taken (the
machine is shared). The dataset comes from bench/dataset.py's cache when an
identical one was loaded before (the after-put-away benchmark loads the same).
"""

from __future__ import annotations

import os

from sqlalchemy import bindparam, create_engine, text

from bench import dataset
from bench.after_putaway import Row, load, print_summary
from bench.scanning import Client, percentile

SERIALS = int(os.environ.get("BENCH_SERIALS", "1000000"))
DEFECTS = int(os.environ.get("BENCH_DEFECTS", "50000"))
DBS = [d.strip() for d in os.environ.get("BENCH_DBS", "sqlite,postgresql").split(",") if d.strip()]
ADDS = int(os.environ.get("BENCH_TRANSFER_ADDS", "300"))
DISPATCHED = int(os.environ.get("BENCH_TRANSFER_ITEMS", "10000"))
RECEIVES = int(os.environ.get("BENCH_TRANSFER_RECEIVES", "100"))
SOURCE, DESTINATION = "BWH0", "BWH1"
DISPATCH_S = 2.0


def in_stock_serials(url: str, n: int) -> tuple[list[str], str]:
    """The first ``n`` in-stock serials of the source, and a storage bin of the destination."""
    engine = create_engine(url)
    with engine.connect() as conn:
        serials = list(conn.execute(text(
            "SELECT i.serial FROM serial_items i JOIN warehouses w ON w.id = i.warehouse_id "
            "WHERE i.status = 'in_stock' AND w.code = :warehouse ORDER BY i.id LIMIT :n"),
            {"warehouse": SOURCE, "n": n}).scalars())
        bin_code = conn.execute(text(
            "SELECT b.code FROM bins b JOIN warehouses w ON w.id = b.warehouse_id "
            "WHERE w.code = :warehouse AND b.kind = 'storage' ORDER BY b.id LIMIT 1"),
            {"warehouse": DESTINATION}).scalar()
    engine.dispose()
    return serials, bin_code


def put_lines(url: str, transfer_id: int, serials: list[str]) -> None:
    """The transfer's lines written in one statement (the API adds one at a time)."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO transfer_items (transfer_id, item_id, holding_item_id, added_at) "
            "SELECT :tid, id, id, CURRENT_TIMESTAMP FROM serial_items WHERE serial IN :serials"
        ).bindparams(bindparam("serials", expanding=True)), {"tid": transfer_id, "serials": serials})
    engine.dispose()


def ledger_after(url: str, transfer_id: int, kind: str) -> tuple[int, dict]:
    """How many movements of ``kind`` name the transfer, and its units by (status, warehouse)."""
    engine = create_engine(url)
    with engine.connect() as conn:
        moved = conn.execute(text("SELECT count(*) FROM movements WHERE kind = :kind AND note LIKE :note"),
                             {"kind": kind, "note": f"% transfer #{transfer_id} (%"}).scalar()
        where = dict(((status, code), n) for status, code, n in conn.execute(text(
            "SELECT i.status, w.code, count(*) FROM serial_items i JOIN transfer_items l ON l.item_id = i.id "
            "JOIN warehouses w ON w.id = i.warehouse_id WHERE l.transfer_id = :tid GROUP BY i.status, w.code"),
            {"tid": transfer_id}))
    engine.dispose()
    return moved, where


def information(kind: str, what: str, times: list[float], extra: str) -> None:
    print(f"{kind:10} {what:48} n={len(times):<4} p50 {percentile(times, 50):8.1f} ms  p95 "
          f"{percentile(times, 95):8.1f} ms  (no target)  load {load():.2f}  {extra}", flush=True)


def run(kind: str) -> list[Row]:
    rows: list[Row] = []

    def show(row: Row) -> None:
        rows.append(row)
        print(row, flush=True)

    with dataset.database(kind) as url:
        info = dataset.load_warehouse(url, serials=SERIALS, defects=DEFECTS)
        print(f"[{kind}] loaded {info['counts']} in {info['load_seconds']} s"
              f"{' (cache)' if info.get('from_cache') else ''}", flush=True)
        serials, bin_code = in_stock_serials(url, ADDS + DISPATCHED)
        assert len(serials) == ADDS + DISPATCHED, f"only {len(serials)} in-stock serials in {SOURCE}"
        to_add, to_dispatch = serials[:ADDS], serials[ADDS:]
        with dataset.serve(url, workers=2) as base:
            api = Client(base, info["operator_token"])
            new = {"from_warehouse": SOURCE, "to_warehouse": DESTINATION, "reference": "BENCH"}
            _, status, opened = api.post("/api/v1/transfers", new)
            assert status == 201, opened
            added = []
            for serial in to_add:
                ms, status, answer = api.post(f"/api/v1/transfers/{opened['id']}/items", {"serial": serial})
                assert status == 200, answer
                added.append(ms)
            assert answer["transfer"]["counts"]["on_it"] == ADDS
            information(kind, "POST /transfers/<id>/items", added,
                        f"transfer from 0 to {ADDS} units; last 50 p50 {percentile(added[-50:], 50):.1f} ms")

            _, status, big = api.post("/api/v1/transfers", new)
            assert status == 201, big
            put_lines(url, big["id"], to_dispatch)
            ms, status, dispatched = api.post(f"/api/v1/transfers/{big['id']}/dispatch")
            assert status == 200 and dispatched["status"] == "dispatched", dispatched
            moved, where = ledger_after(url, big["id"], "dispatched")
            show(Row(kind, f"POST /transfers/<id>/dispatch, {DISPATCHED:,} units", 1, ms / 1000, ms / 1000,
                     DISPATCH_S, "s", ("time  ", "     "),
                     f"ledger: {moved:,} movements, units {where}"))
            assert moved == DISPATCHED and where == {("in_transit", SOURCE): DISPATCHED}, (moved, where)
            again, status, _ = api.post(f"/api/v1/transfers/{big['id']}/dispatch")
            assert status == 200 and ledger_after(url, big["id"], "dispatched") == (moved, where)
            print(f"{kind:10} dispatching it again (a double click): {again:.0f} ms, nothing written twice",
                  flush=True)

            received = []
            for serial in to_dispatch[:RECEIVES]:
                ms, status, answer = api.post(f"/api/v1/transfers/{big['id']}/receive",
                                              {"serial": serial, "bin": bin_code})
                assert status == 200, answer
                received.append(ms)
            information(kind, "POST /transfers/<id>/receive", received,
                        f"into {DESTINATION}/{bin_code}, a transfer of {DISPATCHED:,}")
            ms, status, closed = api.post(f"/api/v1/transfers/{big['id']}/close")
            assert status == 200 and closed["status"] == "closed", closed
            missing, where = ledger_after(url, big["id"], "marked_missing")
            show(Row(kind, f"POST /transfers/<id>/close, {DISPATCHED - RECEIVES:,} missing", 1, ms / 1000,
                     ms / 1000, DISPATCH_S, "s", ("time  ", "     "), f"units {where}"))
            assert missing == DISPATCHED - RECEIVES, missing
    return rows


def main() -> None:
    print(f"Transfers benchmark: {SERIALS:,} serials, a transfer of {DISPATCHED:,}, gunicorn 2 workers, "
          f"{os.cpu_count()} CPUs, load {load():.2f}", flush=True)
    print_summary([row for kind in DBS for row in run(kind)])
