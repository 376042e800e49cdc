"""Receiving benchmark: supplier lists through the HTTP endpoint, end to end.

    python -m bench receiving

For each database (BENCH_DBS, default "sqlite,postgresql"): a fresh database
with 1,000,000 serials in stock already (BENCH_SERIALS; plus the dataset's
defective and other items), gunicorn with 2 workers (the machine has 2 cores),
then ``POST /api/v1/receipts`` with a 100,000-row and a 1,000,000-row CSV
(BENCH_ROWS), timed from the first byte sent to the 201 answer: upload, parse,
validate (every rule; a serial already in the system is caught by the unique
index over the whole table), commit of the receipt, the items and one movement
per item.

In the same run, the raw floor: parse the same file with the csv module and
bulk-load the same rows into an empty table with the same indexes as
serial_items (executemany on SQLite, COPY on PostgreSQL), no application code.
Printed: seconds, rows per second, the ratio endpoint / floor, the peak
resident memory (VmHWM) of the gunicorn worker, and the system load average
(the machine is shared: a high load inflates every figure).
"""

from __future__ import annotations

import csv
import http.client
import io
import json
import os
import tempfile
import time
import uuid
from pathlib import Path

from bench import dataset

#: Issue 10.4: 100,000 rows with a million present end to end, and a million rows (seconds).
TARGETS = {("sqlite", 100_000): 1.0, ("postgresql", 100_000): 1.2, ("sqlite", 1_000_000): 15.0,
           ("postgresql", 1_000_000): 15.0}
RSS_TARGET_MB = 1536

FLOOR_TABLE = """
CREATE TABLE floor_items (
    id {pk},
    serial VARCHAR(64) NOT NULL,
    serial_key VARCHAR(64) NOT NULL UNIQUE,
    product_id INTEGER NOT NULL,
    supplier_id INTEGER NOT NULL,
    receipt_id INTEGER,
    warehouse_id INTEGER,
    bin_id INTEGER,
    status VARCHAR(24) NOT NULL,
    condition VARCHAR(16) NOT NULL,
    ownership VARCHAR(16) NOT NULL,
    unit_cost NUMERIC(12, 2),
    received_at TIMESTAMP,
    order_ref VARCHAR(100),
    created_at TIMESTAMP NOT NULL
)"""
#: The indexes of serial_items (bin_id and order_ref only where set, as there).
FLOOR_INDEXES = ["supplier_id", "receipt_id", "bin_id) WHERE (bin_id IS NOT NULL", "product_id, status, received_at",
                 "status, warehouse_id", "order_ref) WHERE (order_ref IS NOT NULL"]
FLOOR_COLUMNS = ("serial", "serial_key", "product_id", "supplier_id", "receipt_id", "warehouse_id", "status",
                 "condition", "ownership", "unit_cost", "created_at")


def write_list(path: Path, rows: int, prefix: str, skus: list[str]) -> None:
    """A supplier list as suppliers send it: serial, SKU, cost, carton."""
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["Serial Number", "SKU", "Unit cost", "Carton"])
        for i in range(rows):
            writer.writerow([f"{prefix}{i:09d}", skus[i % len(skus)], f"{20 + i % 50}.50", f"CTN-{i // 50:06d}"])


def post_list(base_url: str, token: str, path: Path, fields: dict) -> tuple[float, int, dict]:
    boundary = uuid.uuid4().hex
    head = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    )
    head += (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n'
             "Content-Type: text/csv\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    content = path.read_bytes()
    host = base_url.split("//", 1)[1]
    connection = http.client.HTTPConnection(host, timeout=600)
    started = time.perf_counter()
    connection.putrequest("POST", "/api/v1/receipts")
    connection.putheader("Authorization", f"Bearer {token}")
    connection.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    connection.putheader("Content-Length", str(len(head) + len(content) + len(tail)))
    connection.endheaders()
    connection.send(head)
    connection.send(content)
    connection.send(tail)
    response = connection.getresponse()
    body = response.read()
    seconds = time.perf_counter() - started
    connection.close()
    return seconds, response.status, json.loads(body or b"{}")


def worker_peak_rss_mb(port: int) -> float:
    """The largest VmHWM among the gunicorn processes serving ``port``."""
    peak = 0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
            if b"gunicorn" not in cmdline or f"127.0.0.1:{port}".encode() not in cmdline:
                continue
            for line in (proc / "status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        except OSError:
            continue
    return peak / 1024


def settle(kind: str) -> None:
    """PostgreSQL: write out what the dataset's copy from its template left dirty
    (CREATE DATABASE ... TEMPLATE logs the whole database), so that neither the
    endpoint nor the floor pays for the benchmark's own setup in checkpoints."""
    if kind != "postgresql":
        return
    import psycopg

    with psycopg.connect(dataset.PG_ADMIN, autocommit=True) as admin:
        admin.execute("CHECKPOINT")


def raw_floor(kind: str, path: Path) -> float:
    """Parse the file and bulk-load the rows into an empty indexed table, nothing else."""
    from datetime import datetime

    from sqlalchemy import create_engine

    with dataset.database(kind) as url:
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.exec_driver_sql(FLOOR_TABLE.format(pk="SERIAL PRIMARY KEY" if kind == "postgresql"
                                                    else "INTEGER PRIMARY KEY"))
            for n, columns in enumerate(FLOOR_INDEXES):
                conn.exec_driver_sql(f"CREATE INDEX ix_floor_{n} ON floor_items ({columns})")
        settle(kind)
        raw = engine.raw_connection()
        try:
            started = time.perf_counter()
            now = datetime.now()
            reader = csv.reader(io.StringIO(path.read_bytes().decode("utf-8")))
            next(reader)
            rows = ((s, s.upper(), 1, 1, 1, 1, "expected", "regular", "owned", cost, now)
                    for s, _sku, cost, _carton in reader)
            cursor = raw.cursor()
            if kind == "postgresql":
                with cursor.copy(f"COPY floor_items ({', '.join(FLOOR_COLUMNS)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f")
                cursor.executemany(
                    f"INSERT INTO floor_items ({', '.join(FLOOR_COLUMNS)}) VALUES ({', '.join('?' * 11)})",
                    ((*r[:10], stamp) for r in rows))
            raw.commit()
            return time.perf_counter() - started
        finally:
            raw.close()
            engine.dispose()


def main() -> None:
    kinds = [k.strip() for k in os.environ.get("BENCH_DBS", "sqlite,postgresql").split(",") if k.strip()]
    existing = int(os.environ.get("BENCH_SERIALS", "1000000"))
    sizes = [int(n) for n in os.environ.get("BENCH_ROWS", "100000,1000000").split(",")]
    workdir = Path(tempfile.mkdtemp(prefix="bench-receiving-"))
    results = []
    try:
        for kind in kinds:
            with dataset.database(kind) as url:
                info = dataset.load_warehouse(url, serials=existing, defects=50_000)
                print(f"{kind}: {info['counts']['items']:,} serials already in the database "
                      f"(loaded in {info['load_seconds']} s)", flush=True)
                env = {"GUNICORN_CMD_ARGS": "--timeout 600"}
                with dataset.serve(url, workers=2, env=env) as base_url:
                    port = int(base_url.rsplit(":", 1)[1])
                    for n in sizes:
                        path = workdir / f"{kind}-{n}.csv"
                        write_list(path, n, f"RC{n // 1000}K", info["products"][:20])
                        settle(kind)
                        load = os.getloadavg()[0]
                        fields = {"supplier": info["suppliers"][0], "warehouse": info["warehouses"][0],
                                  "reference": f"BENCH-{n}"}
                        seconds, status, body = post_list(base_url, info["receiver_token"], path, fields)
                        if status != 201:
                            raise RuntimeError(f"{kind} {n} rows: HTTP {status}: {str(body)[:500]}")
                        assert body["receipt"]["counts"]["expected"] == n, body["receipt"]
                        rss = worker_peak_rss_mb(port)
                        floor = raw_floor(kind, path)
                        results.append((kind, n, seconds, floor, rss, load))
                        target = TARGETS.get((kind, n))
                        verdict = "" if target is None else (
                            f"target {target:g} s: {'met' if seconds <= target else 'MISSED'}")
                        print(f"  {n:>9,} rows: {seconds:6.2f} s end to end ({n / seconds:,.0f} rows/s), "
                              f"floor {floor:5.2f} s, ratio {seconds / floor:4.1f}x, worker peak RSS {rss:,.0f} MB, "
                              f"load {load:.1f}  {verdict}", flush=True)
    finally:
        for path in workdir.iterdir():
            path.unlink()
        workdir.rmdir()
    print("\n| database | rows | endpoint (s) | rows/s | raw floor (s) | ratio | worker peak RSS (MB) | load avg |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for kind, n, seconds, floor, rss, load in results:
        print(f"| {kind} | {n:,} | {seconds:.2f} | {n / seconds:,.0f} | {floor:.2f} | {seconds / floor:.1f}x | "
              f"{rss:,.0f} | {load:.1f} |")
    for kind, n, _seconds, _floor, rss, _load in results:
        if n >= 1_000_000 and rss > RSS_TARGET_MB:
            print(f"peak RSS target ({RSS_TARGET_MB} MB) MISSED on {kind}: {rss:,.0f} MB")


if __name__ == "__main__":
    main()
