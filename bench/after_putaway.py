"""After put-away benchmark (issue 13, Speed): the quarantine, returns to the
supplier and the warranty lookup, against gunicorn (2 workers) with 1,000,000
serials in stock and 50,000 defective (about 25,000 in each of the two
warehouses), on SQLite and PostgreSQL.

    python -m bench after_putaway                  # both databases
    BENCH_DBS=sqlite python -m bench after_putaway
    BENCH_SERIALS=100000 BENCH_DEFECTS=5000 python -m bench after_putaway   # a quicker look

Timed as the client sees them, one request at a time:

- ``GET /api/v1/quarantine?warehouse=BWH0``: every item of the warehouse in one
  answer; then filtered by supplier and reason; then a page of 100 (``limit``)
  and the page after it (``after`` = the first page's ``next``). Target: each
  under 200 ms (median of the rounds; the worst is printed too).
- The quarantine page (``/defects/quarantine``, logged in as a manager): page 1,
  a page deep in the list, and a supplier + reason choice. Target: under 200 ms.
- ``POST /api/v1/supplier-returns/<id>/items``: defective serials of one
  supplier put on a fresh return one after another (the answer is the return
  with every line so far). Target: p50 under 5 ms (SQLite), 10 ms (PostgreSQL).
- ``GET /api/v1/serials/<serial>/warranty`` of random sold, in-stock and
  defective serials. Same targets.
- ``POST /api/v1/supplier-returns/<id>/ship`` of a return holding 5,000
  serials (its lines written straight into the table beforehand: adding them
  through the API is what the previous figure times). Target: under 2 s. The
  ledger is checked afterwards (5,000 movements, every item returned).

The machine is shared (2 cores): next to each figure is the 1-minute load
average when it was taken. The dataset comes from bench/dataset.py's cache
when an identical one was loaded before (the reports benchmark loads the same).
"""

from __future__ import annotations

import os
import random
import statistics
import time
import urllib.parse
import urllib.request

from sqlalchemy import bindparam, create_engine, text

from bench import dataset
from bench.catalog import cookie_opener, log_in
from bench.scanning import Client, percentile

SERIALS = int(os.environ.get("BENCH_SERIALS", "1000000"))
DEFECTS = int(os.environ.get("BENCH_DEFECTS", "50000"))
DBS = [d.strip() for d in os.environ.get("BENCH_DBS", "sqlite,postgresql").split(",") if d.strip()]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "9"))
ADDS = int(os.environ.get("BENCH_RETURN_ADDS", "300"))
LOOKUPS = int(os.environ.get("BENCH_WARRANTY_LOOKUPS", "500"))
SHIPPED = int(os.environ.get("BENCH_SHIP_ITEMS", "5000"))
WAREHOUSE, SUPPLIER = "BWH0", "BSUP0"
PAGE_MS = 200
POINT_MS = {"sqlite": 5, "postgresql": 10}
SHIP_S = 2.0


def load() -> float:
    return os.getloadavg()[0]


class Row:
    """One line of the table: what, how many, the figures, the target and whether it was met."""

    def __init__(self, kind: str, what: str, n: int, typical: float, high: float, target: float, unit: str,
                 label: tuple[str, str], extra: str = ""):
        self.kind, self.what, self.n, self.typical, self.high = kind, what, n, typical, high
        self.target, self.unit, self.label, self.extra, self.load = target, unit, label, extra, load()
        self.met = typical < target

    def __str__(self) -> str:
        verdict = "met" if self.met else "MISSED"
        return (f"{self.kind:10} {self.what:48} n={self.n:<4} {self.label[0]} {self.typical:8.1f} {self.unit}  "
                f"{self.label[1]} {self.high:8.1f} {self.unit}  target < {self.target:g} {self.unit}: {verdict:6}  "
                f"load {self.load:.2f}{'  ' + self.extra if self.extra else ''}")


def timed_gets(client: Client, path: str) -> tuple[list[float], dict]:
    """ROUNDS timed GETs after one untimed (warms the worker's caches)."""
    _, status, body = client.request("GET", path)
    assert status == 200, (status, body)
    times = []
    for _ in range(ROUNDS):
        ms, status, body = client.request("GET", path)
        assert status == 200, (status, body)
        times.append(ms)
    return times, body


def timed_pages(opener, url: str) -> tuple[list[float], int]:
    with opener.open(url) as response:  # noqa: S310 - local http
        response.read()
    times, size = [], 0
    for _ in range(ROUNDS):
        started = time.perf_counter()
        with opener.open(url) as response:  # noqa: S310 - local http
            size = len(response.read())
            assert response.status == 200
        times.append((time.perf_counter() - started) * 1000)
    return times, size


def defective_serials(url: str, prefix: str) -> list[str]:
    """The defective serials of SUPPLIER in WAREHOUSE (what a return of theirs takes)."""
    engine = create_engine(url)
    with engine.connect() as conn:
        serials = list(conn.execute(text(
            "SELECT i.serial FROM serial_items i JOIN suppliers s ON s.id = i.supplier_id "
            "JOIN warehouses w ON w.id = i.warehouse_id "
            "WHERE i.status = 'defective' AND s.code = :supplier AND w.code = :warehouse ORDER BY i.id"),
            {"supplier": SUPPLIER, "warehouse": WAREHOUSE}).scalars())
    engine.dispose()
    return serials


def put_lines(url: str, return_id: int, serials: list[str]) -> None:
    """The return's lines written in one statement (the API adds one at a time)."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO supplier_return_lines (return_id, item_id, added_at) "
            "SELECT :rid, id, CURRENT_TIMESTAMP FROM serial_items WHERE serial IN :serials"
        ).bindparams(bindparam("serials", expanding=True)), {"rid": return_id, "serials": serials})
    engine.dispose()


def ledger_after_ship(url: str, return_id: int) -> tuple[int, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        moved = conn.execute(text("SELECT count(*) FROM movements WHERE kind = 'returned' AND note LIKE :note"),
                             {"note": f"return to supplier #{return_id}%"}).scalar()
        returned = conn.execute(text(
            "SELECT count(*) FROM serial_items i JOIN supplier_return_lines l ON l.item_id = i.id "
            "WHERE l.return_id = :rid AND i.status = 'returned_to_supplier'"), {"rid": return_id}).scalar()
    engine.dispose()
    return moved, returned


def run(kind: str) -> list[Row]:
    rows: list[Row] = []

    def page_row(what: str, times: list[float], extra: str = "") -> None:
        rows.append(Row(kind, what, len(times), statistics.median(times), max(times), PAGE_MS, "ms",
                        ("median", "worst"), extra))
        print(rows[-1], flush=True)

    def point_row(what: str, times: list[float], extra: str = "") -> None:
        rows.append(Row(kind, what, len(times), percentile(times, 50), percentile(times, 95), POINT_MS[kind], "ms",
                        ("p50   ", "p95  "), extra))
        print(rows[-1], flush=True)

    with dataset.database(kind) as url:
        info = dataset.load_warehouse(url, serials=SERIALS, defects=DEFECTS)
        print(f"[{kind}] loaded {info['counts']} in {info['load_seconds']} s"
              f"{' (cache)' if info.get('from_cache') else ''}", flush=True)
        serials = defective_serials(url, info["serial_prefix"])
        assert len(serials) >= ADDS + SHIPPED, f"only {len(serials)} defective serials of {SUPPLIER} in {WAREHOUSE}"
        to_add, to_ship = serials[:ADDS], serials[ADDS:ADDS + SHIPPED]
        rng = random.Random(13)
        looked_up = [f"{info['serial_prefix']}{rng.randint(1, info['counts']['items']):09d}" for _ in range(LOOKUPS)]
        with dataset.serve(url, workers=2) as base:
            api = Client(base, info["receiver_token"])
            path = f"/api/v1/quarantine?warehouse={WAREHOUSE}"
            times, body = timed_gets(api, path)
            page_row("GET /quarantine, every item", times, f"{len(body['items']):,} items")
            times, body = timed_gets(api, f"{path}&supplier={SUPPLIER}&reason=functional")
            page_row("GET /quarantine, one supplier and reason", times, f"{len(body['items']):,} items")
            times, body = timed_gets(api, f"{path}&limit=100")
            page_row("GET /quarantine, limit=100", times, f"{len(body['items']):,} items")
            times, second = timed_gets(api, f"{path}&limit=100&after={body['next']}")
            assert second["items"][0]["serial"] != body["items"][0]["serial"]
            page_row("GET /quarantine, limit=100, the page after", times)

            browser = cookie_opener()
            log_in(browser, base, "bench-manager", "bench-manager-1")
            page = f"{base}/defects/quarantine?" + urllib.parse.urlencode({"warehouse": WAREHOUSE})
            times, size = timed_pages(browser, page)
            page_row("quarantine page, page 1 (100 items)", times, f"{size / 1024:.0f} KB")
            times, size = timed_pages(browser, page + "&page=200")
            page_row("quarantine page, page 200", times, f"{size / 1024:.0f} KB")
            times, size = timed_pages(browser, page + f"&supplier={SUPPLIER}&reason=functional")
            page_row("quarantine page, one supplier and reason", times, f"{size / 1024:.0f} KB")

            _, status, opened = api.post("/api/v1/supplier-returns", {"supplier": SUPPLIER, "warehouse": WAREHOUSE,
                                                                      "rma_number": "RMA-BENCH-1"})
            assert status == 201, opened
            added = []
            for serial in to_add:
                ms, status, answer = api.post(f"/api/v1/supplier-returns/{opened['id']}/items", {"serial": serial})
                assert status == 200, answer
                added.append(ms)
            assert len(answer["items"]) == ADDS
            point_row("POST /supplier-returns/<id>/items", added,
                      f"return from 0 to {ADDS} items; last 50 p50 {percentile(added[-50:], 50):.1f} ms")

            lookups = []
            for serial in looked_up:
                ms, status, answer = api.request("GET", f"/api/v1/serials/{serial}/warranty")
                assert status == 200, answer
                lookups.append(ms)
            point_row("GET /serials/<serial>/warranty", lookups)

            _, status, shipping = api.post("/api/v1/supplier-returns", {"supplier": SUPPLIER,
                                                                        "warehouse": WAREHOUSE})
            assert status == 201, shipping
            put_lines(url, shipping["id"], to_ship)
            ms, status, shipped = api.post(f"/api/v1/supplier-returns/{shipping['id']}/ship")
            assert status == 200 and shipped["status"] == "shipped", shipped
            moved, returned = ledger_after_ship(url, shipping["id"])
            rows.append(Row(kind, f"POST /supplier-returns/<id>/ship, {SHIPPED:,} items", 1, ms / 1000, ms / 1000,
                            SHIP_S, "s", ("time  ", "     "),
                            f"ledger: {moved:,} movements, {returned:,} items returned"))
            print(rows[-1], flush=True)
            assert moved == returned == SHIPPED
            again, status, _ = api.post(f"/api/v1/supplier-returns/{shipping['id']}/ship")
            assert status == 200 and ledger_after_ship(url, shipping["id"]) == (moved, returned)
            print(f"{kind:10} shipping it again (a double click): {again:.0f} ms, nothing written twice", flush=True)
    return rows


def main() -> None:
    print(f"After put-away benchmark: {SERIALS:,} serials in stock, {DEFECTS:,} defective, gunicorn 2 workers, "
          f"{os.cpu_count()} CPUs, {ROUNDS} rounds per GET, load {load():.2f}", flush=True)
    print_summary([row for kind in DBS for row in run(kind)])


def print_summary(rows: list[Row]) -> None:
    """Every row again, and which targets were met (the recalls benchmark prints the same)."""
    print("\nSummary")
    print("\n".join(str(row) for row in rows))
    missed = [row for row in rows if not row.met]
    print(f"{len(rows) - len(missed)} of {len(rows)} targets met" + (
        ": missed " + "; ".join(f"{r.kind} {r.what}" for r in missed) if missed else ""))


if __name__ == "__main__":
    main()
