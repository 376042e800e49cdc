"""A large, realistic warehouse for benchmarks, loaded set-based and fast.

    with dataset.database("sqlite") as url:          # or "postgresql"
        info = dataset.load_warehouse(url, serials=1_000_000, defects=50_000)
        with dataset.serve(url, workers=4) as base_url:
            ...  # requests with headers={"Authorization": f"Bearer {info['admin_token']}"}

``serials`` items are in stock; ``defects`` more are defective (each with a
defect report, skewed toward the first supplier); ``others`` more are spread
over expected, sold, missing and returned to supplier. Every item has a
consistent ledger (listed, received, then shipped/defect/...). Rows go in
through executemany on SQLite and COPY on PostgreSQL, with no ORM in between.
"""

from __future__ import annotations

import os
import random
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get("PORTAL_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
NOW = datetime(2026, 11, 1, 12, 0, 0)


@contextmanager
def database(kind: str):
    """A fresh database, migrated to head; dropped afterwards. Yields its URL."""
    workdir = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    if kind == "sqlite":
        url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    elif kind == "postgresql":
        import psycopg

        name = f"portal_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        url = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + "/" + name
    else:
        raise ValueError(f"unknown database kind {kind!r}")
    try:
        _migrate(url, workdir)
        yield url
    finally:
        if kind == "postgresql":
            import psycopg

            with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(workdir, ignore_errors=True)


def _app(url: str, workdir: Path | None = None):
    sys.path.insert(0, str(ROOT))
    from portal import create_app

    return create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": False})


def _migrate(url: str, workdir: Path) -> None:
    from flask_migrate import upgrade

    from portal.extensions import db

    app = _app(url, workdir)
    with app.app_context():
        upgrade()
        db.session.remove()
        db.engine.dispose()


def _bulk(conn, table: str, columns: list[str], rows) -> int:
    """Write rows (an iterable of tuples) with the fastest plain path of the driver."""
    raw = conn.connection.dbapi_connection
    n = 0
    if conn.dialect.name == "postgresql":
        with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                n += 1
    else:
        marks = ", ".join("?" for _ in columns)
        cur = raw.cursor()
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) == 50_000:
                cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", batch)
                n += len(batch)
                batch = []
        if batch:
            cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", batch)
            n += len(batch)
    return n


CACHE = Path(os.environ.get("PORTAL_BENCH_CACHE", Path(tempfile.gettempdir()) / "portal-bench-cache"))


def _cache_key(kind: str, **params) -> str:
    """Changes whenever the parameters, this file or a migration changes."""
    import hashlib

    digest = hashlib.sha256(repr(sorted(params.items())).encode())
    digest.update(Path(__file__).read_bytes())
    for migration in sorted((ROOT / "portal" / "migrations" / "versions").glob("*.py")):
        digest.update(migration.read_bytes())
    return f"{kind}_{digest.hexdigest()[:16]}"


def load_warehouse(url: str, **params) -> dict:
    """Bulk-load the warehouse (see :func:`_load`), or copy it from the cache of
    an earlier identical load: building a million serials takes minutes, copying
    them seconds. The cache lives in PORTAL_BENCH_CACHE (default: the temp dir)."""
    import json

    kind = "postgresql" if url.startswith("postgresql") else "sqlite"
    key = _cache_key(kind, **params)
    meta = CACHE / f"{key}.json"
    started = time.perf_counter()
    if kind == "sqlite":
        path = Path(url.removeprefix("sqlite:///"))
        cached = CACHE / f"{key}.sqlite3"
        if not (meta.exists() and cached.exists()):
            info = _load(url, **params)
            CACHE.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url)
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            engine.dispose()
            shutil.copyfile(path, cached)
            meta.write_text(json.dumps(info))
            return info
        for suffix in ("-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        shutil.copyfile(cached, path)
    else:
        import psycopg

        name = url.rsplit("/", 1)[1]
        template = f"portal_bench_tpl_{key.split('_', 1)[1]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (template,)).fetchone()
            if not (exists and meta.exists()):
                info = _load(url, **params)
                admin.execute(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
                admin.execute(f'CREATE DATABASE "{template}" TEMPLATE "{name}"')
                CACHE.mkdir(parents=True, exist_ok=True)
                meta.write_text(json.dumps(info))
                return info
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    info = json.loads(meta.read_text())
    info["load_seconds"] = round(time.perf_counter() - started, 1)
    info["from_cache"] = True
    return info


def _load(
    url: str,
    *,
    serials: int = 1_000_000,
    defects: int = 50_000,
    others: int | None = None,
    seed: int = 1,
    serial_prefix: str = "BN",
) -> dict:
    """Bulk-load the warehouse. Returns codes, counts and API tokens per role."""
    started = time.perf_counter()
    rng = random.Random(seed)
    others = serials // 10 if others is None else others
    app = _app(url)
    from portal.auth.services import create_user, issue_token
    from portal.catalog.services import create_product, create_supplier, create_warehouse
    from portal.extensions import db
    from portal.models import Bin, BinKind

    info: dict = {"serial_prefix": serial_prefix}
    with app.app_context():
        s = db.session
        admin = create_user(s, username="bench-admin", role="admin", password="bench-admin-1")
        operator = create_user(s, username="bench-operator", role="operator", password="bench-operator-1")
        receiver = create_user(s, username="bench-receiver", role="receiver", password="bench-receiver-1")
        manager = create_user(s, username="bench-manager", role="manager", password="bench-manager-1")
        info["admin_token"] = issue_token(s, user=admin, name="bench")[1]
        info["operator_token"] = issue_token(s, user=operator, name="bench")[1]
        info["receiver_token"] = issue_token(s, user=receiver, name="bench")[1]
        info["manager_token"] = issue_token(s, user=manager, name="bench")[1]
        info["users"] = {"admin": admin.id, "operator": operator.id, "receiver": receiver.id}
        suppliers = [create_supplier(s, code=f"BSUP{i}", name=f"Bench Supplier {i}") for i in range(8)]
        products = []
        for i in range(200):
            products.append(
                create_product(
                    s, sku=f"BSKU-{i:03d}", name=f"Bench product {i}", warranty_months=12 + (i % 3) * 12,
                    unit_cost=f"{20 + (i * 7) % 900}.00", shelf_life_days=(365 if i % 10 == 0 else None),
                )
            )
        warehouses = [create_warehouse(s, code=f"BWH{i}", name=f"Bench warehouse {i}") for i in range(2)]
        storage: list[tuple[int, int]] = []  # (bin id, warehouse id)
        for wh in warehouses:
            for a in "ABCDE":
                for r in range(1, 21):
                    for lvl in range(1, 6):
                        s.add(Bin(warehouse_id=wh.id, code=f"{a}-{r:02d}-{lvl}", kind=BinKind.STORAGE))
        s.flush()
        bins = s.query(Bin).all()
        storage = [(b.id, b.warehouse_id) for b in bins if b.kind == BinKind.STORAGE]
        quarantine = {b.warehouse_id: b.id for b in bins if b.kind == BinKind.QUARANTINE}
        info.update(
            suppliers=[x.code for x in suppliers],
            products=[x.sku for x in products],
            warehouses=[x.code for x in warehouses],
            bins={wh.code: [b.code for b in bins if b.warehouse_id == wh.id and b.kind == BinKind.STORAGE]
                  for wh in warehouses},
        )
        supplier_ids = [x.id for x in suppliers]
        product_rows = [(p.id, float(p.unit_cost), p.shelf_life_days, p.warranty_months) for p in products]
        warehouse_ids = [w.id for w in warehouses]
        db.session.commit()
        db.session.remove()
        db.engine.dispose()

    engine = create_engine(url.replace("sqlite:///", "sqlite:///", 1))
    total = serials + defects + others
    with engine.begin() as conn:
        receipts_count = max(1, total // 2000)
        receipt_rows = []
        for rid in range(1, receipts_count + 1):
            receipt_rows.append((
                rid, supplier_ids[rid % len(supplier_ids)], warehouse_ids[rid % len(warehouse_ids)],
                f"PO-{rid:06d}", "closed", NOW - timedelta(days=800), 0,
            ))
        _bulk(conn, "receipts",
              ["id", "supplier_id", "warehouse_id", "reference", "status", "created_at", "skipped_rows"],
              receipt_rows)

        item_cols = ["id", "serial", "serial_key", "product_id", "supplier_id", "receipt_id", "warehouse_id",
                     "bin_id", "status", "condition", "ownership", "unit_cost", "received_at", "expires_at",
                     "sold_at", "order_ref", "warranty_ends_on", "created_at"]
        move_cols = ["item_id", "kind", "from_bin_id", "to_bin_id", "from_status", "to_status", "actor_id", "at"]
        defect_cols = ["item_id", "reason_code", "stage_found", "reported_by_id", "reported_at"]
        reasons = ["dead_on_arrival", "functional", "cosmetic", "missing_parts", "wrong_item", "other"]
        stages = ["receiving", "storage", "picking", "customer_return"]
        other_statuses = ["expected", "sold", "sold", "sold", "missing", "returned_to_supplier"]
        items, moves, reports = [], [], []
        actor = info["users"]["operator"]
        for i in range(1, total + 1):
            if i <= serials:
                status = "in_stock"
            elif i <= serials + defects:
                status = "defective"
            else:
                status = other_statuses[i % len(other_statuses)]
            # defects skew toward the first supplier
            supplier_id = supplier_ids[0] if status == "defective" and rng.random() < 0.3 else rng.choice(supplier_ids)
            product_id, cost, shelf_life, warranty = product_rows[rng.randrange(len(product_rows))]
            age = int(rng.expovariate(1 / 120)) % 900
            received = NOW - timedelta(days=age, minutes=rng.randrange(1440))
            bin_id, wh_id = storage[rng.randrange(len(storage))]
            expires = (received + timedelta(days=shelf_life)).date() if shelf_life else None
            serial = f"{serial_prefix}{i:09d}"
            sold_at = order_ref = warranty_end = None
            item_bin = bin_id
            if status == "defective":
                item_bin = quarantine[wh_id]
            elif status in ("sold", "missing", "returned_to_supplier", "expected"):
                item_bin = None
            received_at = None if status == "expected" else received
            if status == "sold":
                sold_at = received + timedelta(days=rng.randint(1, 60))
                order_ref = f"SO-{i:08d}"
                warranty_end = (sold_at + timedelta(days=30 * warranty)).date()
            condition = rng.choices(["regular", "sample", "damaged", "refurbished"], [90, 4, 3, 3])[0]
            ownership = "consignment" if rng.random() < 0.15 else "owned"
            receipt_id = (i % receipts_count) + 1
            items.append((i, serial, serial, product_id, supplier_id, receipt_id,
                          wh_id if status != "expected" else wh_id, item_bin, status, condition, ownership,
                          cost, received_at, expires, sold_at, order_ref, warranty_end, received))
            moves.append((i, "listed", None, None, None, "expected", None, received - timedelta(days=1)))
            if status == "expected":
                continue
            moves.append((i, "received", None, bin_id, "expected", "in_stock", actor, received))
            if status == "sold":
                moves.append((i, "shipped", bin_id, None, "in_stock", "sold", actor, sold_at))
            elif status == "defective":
                at = received + timedelta(days=rng.randint(0, max(1, age)))
                moves.append((i, "defect", bin_id, item_bin, "in_stock", "defective", actor, at))
                reports.append((i, rng.choice(reasons), rng.choice(stages), actor, at))
            elif status == "missing":
                moves.append((i, "marked_missing", bin_id, None, "in_stock", "missing", actor,
                              received + timedelta(days=5)))
            elif status == "returned_to_supplier":
                moves.append((i, "returned", bin_id, None, "in_stock", "returned_to_supplier", actor,
                              received + timedelta(days=5)))
        _bulk(conn, "serial_items", item_cols, items)
        del items
        _bulk(conn, "movements", move_cols, moves)
        n_moves = len(moves)
        del moves
        _bulk(conn, "defect_reports", defect_cols, reports)
        if conn.dialect.name == "postgresql":
            for table in ("receipts", "serial_items"):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    info["counts"] = {"items": total, "in_stock": serials, "defective": defects, "others": others,
                      "movements": n_moves, "defect_reports": len(reports)}
    info["load_seconds"] = round(time.perf_counter() - started, 1)
    return info


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve(url: str, *, workers: int = 4, env: dict | None = None, threads: int = 1):
    """gunicorn serving the portal on a free local port; yields the base URL."""
    port = _free_port()
    instance = Path(tempfile.mkdtemp(prefix="portal-bench-instance-"))
    environment = {
        **os.environ,
        "PORTAL_DATABASE_URL": url,
        "PORTAL_SECRET_KEY": secrets.token_hex(16),
        "PORTAL_INSTANCE_PATH": str(instance),
        **(env or {}),
    }
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    process = subprocess.Popen(
        [gunicorn, "--workers", str(workers), "--threads", str(threads), "--bind", f"127.0.0.1:{port}",
         "--no-control-socket", "--log-level", "warning", "portal:create_app()"],
        cwd=str(ROOT), env=environment,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as response:  # noqa: S310 - local
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.time() > deadline:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(instance, ignore_errors=True)


def main() -> None:  # pragma: no cover - `python -m bench.dataset` loads and times a warehouse
    for kind in ("sqlite", "postgresql"):
        with database(kind) as url:
            info = load_warehouse(url, serials=int(os.environ.get("BENCH_SERIALS", "1000000")))
            print(kind, info["counts"], f"{info['load_seconds']} s")


if __name__ == "__main__":
    main()
