"""Hostile supplier files through a served portal (issue 11.4 and 11.5), end to end.

    python -m bench hostile_files

For each database (BENCH_DBS, default "sqlite,postgresql"): a fresh database with one
supplier, warehouse, product and receiver, gunicorn with one worker, then every hostile
file of tests/receiving/hostile_files.py (the ones the tests use: the 7 MB workbook that
expands to 2.3 GB, its lying-directory twin, ``A1`` + ``XFD1048576`` under a declared
``A1:XFD1048576``, DTDs and entities, a line over the CSV field limit, a NUL after the
first 4 KB) posted to ``POST /api/v1/receipts`` (BENCH_HOSTILE_DRY_RUN=1: as a dry run).
Printed per file: the answer's status and error code, the seconds from the first byte sent
to the answer, the worker's resident memory before the request (VmRSS) and its peak during
it (VmHWM, reset before each request through ``/proc/<pid>/clear_refs``), and the growth.
Targets (issue 11.4): a 422 in under 2 s, and under 200 MB for the refusal, judged on the
growth: a worker already holds about 180 MB before any request (Flask, SQLAlchemy, pandas,
openpyxl and WeasyPrint imported), so its absolute peak is printed beside it. The files
that are real lists (one line of 15,000 serials, bare carriage returns, a declared
dimension over two cells) are posted too, as dry runs.

Why the reader's time budget (``supplier_lists.XLSX_TIME_BUDGET``) stays 15 s: the hostile
workbooks never reach it. They are refused by their size (the zip directory and the
bytes actually inflated), their cell area or their DTD before the spreadsheet reader
runs, and this bench shows each of those refusals in well under 2 s. The budget only
stops a workbook that passed every bound and is still slow to read, i.e. a legitimate
large export (hundreds of thousands of rows with styles); 15 s lets that finish inside
gunicorn's 30 s worker timeout, where 2 s would refuse real lists.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import time
import uuid
from pathlib import Path

from bench import dataset
from tests.receiving.hostile_files import READ, REFUSED, HostileFile

SECONDS_TARGET, RSS_TARGET_MB = 2.0, 200


def _setup(url: str) -> str:
    """One supplier, warehouse, product and receiver; returns the receiver's API token."""
    from portal.auth.services import create_user, issue_token
    from portal.catalog import services as catalog
    from portal.extensions import db

    app = dataset._app(url)
    with app.app_context():
        catalog.create_supplier(db.session, code="ACME", name="Acme Phones")
        catalog.create_warehouse(db.session, code="MAIN", name="Main warehouse")
        catalog.create_product(db.session, sku="PHONE-1", name="Phone", warranty_months=12, unit_cost="100.00")
        user = create_user(db.session, username="bench-receiver", role="receiver", password=uuid.uuid4().hex)
        token = issue_token(db.session, user=user, name="hostile files bench")[1]
        db.session.commit()
        db.engine.dispose()
    return token


def _workers(port: int) -> list[Path]:
    """The /proc entries of the gunicorn processes serving ``port``."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if b"gunicorn" in cmdline and f"127.0.0.1:{port}".encode() in cmdline:
            found.append(proc)
    return found


def _reset_peaks(procs: list[Path]) -> None:
    for proc in procs:
        with contextlib.suppress(OSError):  # the process may be gone; its peak then does not matter
            (proc / "clear_refs").write_text("5")  # VmHWM back to the current RSS


def _memory_mb(procs: list[Path], field: str = "VmHWM") -> float:
    """The largest ``field`` (VmHWM: peak, VmRSS: now) among ``procs``, in MB."""
    largest = 0
    for proc in procs:
        try:
            for line in (proc / "status").read_text().splitlines():
                if line.startswith(field + ":"):
                    largest = max(largest, int(line.split()[1]))
        except OSError:
            continue
    return largest / 1024


def post(base_url: str, token: str, hostile: HostileFile, *, dry_run: bool) -> tuple[float, int, dict]:
    boundary = uuid.uuid4().hex
    fields = {"supplier": "ACME", "warehouse": "MAIN", "reference": f"HOSTILE-{uuid.uuid4().hex[:8]}",
              "product": "PHONE-1", "dry_run": "true" if dry_run else "false"}
    body = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                    for k, v in fields.items())
    body += (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{hostile.file_name}"\r\n'
             "Content-Type: application/octet-stream\r\n\r\n").encode() + hostile.build()
    body += f"\r\n--{boundary}--\r\n".encode()
    connection = http.client.HTTPConnection(base_url.split("//", 1)[1], timeout=120)
    started = time.perf_counter()
    connection.request("POST", "/api/v1/receipts", body=body, headers={
        "Authorization": f"Bearer {token}", "Content-Type": f"multipart/form-data; boundary={boundary}"})
    response = connection.getresponse()
    answer = response.read()
    seconds = time.perf_counter() - started
    connection.close()
    return seconds, response.status, json.loads(answer or b"{}")


def main() -> None:
    kinds = [k.strip() for k in os.environ.get("BENCH_DBS", "sqlite,postgresql").split(",") if k.strip()]
    dry_run = os.environ.get("BENCH_HOSTILE_DRY_RUN", "") == "1"
    results, missed = [], []
    for kind in kinds:
        with dataset.database(kind) as url:
            token = _setup(url)
            with dataset.serve(url, workers=1) as base_url:
                procs = _workers(int(base_url.rsplit(":", 1)[1]))
                for hostile, is_refused in [(h, True) for h in REFUSED] + [(h, False) for h in READ]:
                    _reset_peaks(procs)
                    before = _memory_mb(procs, "VmRSS")
                    seconds, status, body = post(base_url, token, hostile, dry_run=dry_run or not is_refused)
                    peak = _memory_mb(procs)
                    code = (body.get("error") or {}).get("code", "") if status >= 400 else f"{body.get('rows')} rows"
                    results.append((kind, hostile.name, status, code, seconds, before, peak))
                    ok = (status == 422 and code == hostile.code) if is_refused else status == 200
                    if not ok or (is_refused and (seconds >= SECONDS_TARGET or peak - before >= RSS_TARGET_MB)):
                        missed.append((kind, hostile.name))
                    print(f"  {kind:10} {hostile.name:30} HTTP {status} {code:20} {seconds:6.2f} s  "
                          f"worker RSS {before:4.0f} MB, peak {peak:4.0f} MB", flush=True)
    print("\n| database | file | status | code | seconds | worker RSS before (MB) | peak (MB) | growth (MB) |")
    print("|---|---|---:|---|---:|---:|---:|---:|")
    for kind, name, status, code, seconds, before, peak in results:
        print(f"| {kind} | {name} | {status} | {code} | {seconds:.2f} | {before:,.0f} | {peak:,.0f} | "
              f"{peak - before:,.0f} |")
    print(f"\ntargets for the refused files: a 422 with the reader's code, under {SECONDS_TARGET:g} s and "
          f"{RSS_TARGET_MB} MB of growth: " + ("met" if not missed else f"MISSED for {missed}"))


if __name__ == "__main__":
    main()
