"""Scanning benchmark: latency and throughput of POST /api/v1/scans against
gunicorn (4 workers) with a million serials, on SQLite and PostgreSQL.

    python -m bench scanning                 # both databases, 1,000,000 serials
    BENCH_SERIALS=50000 BENCH_DBS=sqlite python -m bench scanning

Every scan moves a different in-stock serial into a random bin, so each one
is accepted and writes exactly one movement; the benchmark checks the ledger
afterwards, and that resending scans records nothing. The "floor" is the
smallest request that writes (token check + one indexed UPDATE, only served
when PORTAL_BENCHMARK_ENDPOINTS=true), timed the same way; the ratio says
what a scan costs on top of that.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import statistics
import threading
import time
import uuid
from urllib.parse import urlsplit

from sqlalchemy import create_engine, text

from bench import dataset

SERIALS = int(os.environ.get("BENCH_SERIALS", "1000000"))
DBS = [d.strip() for d in os.environ.get("BENCH_DBS", "sqlite,postgresql").split(",") if d.strip()]
SINGLE = int(os.environ.get("BENCH_SINGLE_SCANS", "600"))
SCANNERS = 8
PER_SCANNER = int(os.environ.get("BENCH_SCANS_PER_SCANNER", "250"))
RUN = uuid.uuid4().hex[:8]


class Client:
    """One simulated handheld: its own connection, timing each request as the client sees it."""

    def __init__(self, base: str, token: str):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.connection = None

    def post(self, path: str, body: dict | None = None) -> tuple[float, int, dict]:
        return self.request("POST", path, body)

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[float, int, dict]:
        """(milliseconds, status, JSON answer) of one request, as the client sees it."""
        payload = json.dumps(body).encode() if body is not None else b""
        started = time.perf_counter()
        for attempt in range(2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=120)
            try:
                self.connection.request(method, path, body=payload, headers=self.headers)
                response = self.connection.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, ConnectionError):
                self.connection.close()
                self.connection = None
                if attempt:
                    raise
        if response.getheader("Connection", "").lower() == "close":
            self.connection.close()
            self.connection = None
        elapsed = (time.perf_counter() - started) * 1000
        return elapsed, response.status, json.loads(data) if data else {}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def scan_body(serial: str, bins: list[str], rng: random.Random) -> dict:
    return {"client_scan_id": f"bench-{RUN}-{uuid.uuid4().hex[:16]}", "action": "move", "serial": serial,
            "warehouse": "BWH0", "bin": rng.choice(bins)}


def run_scans(client: Client, serials: list[str], bins: list[str], rng, results: list, errors: list) -> None:
    for serial in serials:
        body = scan_body(serial, bins, rng)
        try:
            ms, status, answer = client.post("/api/v1/scans", body)
        except Exception as error:  # noqa: BLE001 - counted and reported
            errors.append(repr(error))
            continue
        if status != 200:
            errors.append(f"{status}: {answer}")
            continue
        results.append((ms, answer.get("result"), body["client_scan_id"], body))


def run_floor(client: Client, serials: list[str], timings: list, errors: list) -> None:
    for serial in serials:
        ms, status, _ = client.post(f"/api/v1/_bench/floor?serial={serial}")
        (timings.append(ms) if status == 200 else errors.append(status))


def concurrent(target, chunks: list[list[str]], make_args) -> float:
    threads = [threading.Thread(target=target, args=make_args(i, chunk)) for i, chunk in enumerate(chunks)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started


def figures(label: str, timings: list[float]) -> str:
    return (f"{label}: n={len(timings)} p50={percentile(timings, 50):.1f} ms "
            f"p95={percentile(timings, 95):.1f} ms p99={percentile(timings, 99):.1f} ms "
            f"mean={statistics.fmean(timings):.1f} ms")


def bench_database(kind: str) -> dict:
    print(f"\n--- {kind}: loading {SERIALS:,} in-stock serials (plus defective and others) ---", flush=True)
    with dataset.database(kind) as url:
        info = dataset.load_warehouse(url, serials=SERIALS, defects=max(1, SERIALS // 20), seed=1)
        print(f"loaded {info['counts']} in {info['load_seconds']} s"
              f"{' (from cache)' if info.get('from_cache') else ''}", flush=True)
        rng = random.Random(7)
        needed = 50 + SINGLE + SCANNERS * PER_SCANNER + 2 * SINGLE + SCANNERS * PER_SCANNER
        picks = rng.sample(range(1, SERIALS + 1), min(needed, SERIALS))
        serials = [f"{info['serial_prefix']}{i:09d}" for i in picks]
        bins = info["bins"]["BWH0"]
        token = info["operator_token"]
        out: dict = {"kind": kind}
        with dataset.serve(url, workers=4, env={"PORTAL_BENCHMARK_ENDPOINTS": "true"}) as base:
            take = iter(serials)

            def chunk(n):
                return [next(take) for _ in range(n)]

            errors: list = []
            warm: list = []
            run_scans(Client(base, token), chunk(50), bins, rng, warm, errors)
            run_floor(Client(base, token), chunk(50), [], errors)

            single: list = []
            run_scans(Client(base, token), chunk(SINGLE), bins, rng, single, errors)
            floor_single: list = []
            run_floor(Client(base, token), chunk(SINGLE), floor_single, errors)
            scan_ms = [r[0] for r in single]
            print(figures("one scanner, scans     ", scan_ms), flush=True)
            print(figures("one scanner, floor     ", floor_single), flush=True)
            ratio_single = percentile(scan_ms, 50) / percentile(floor_single, 50)
            print(f"scan / floor (p50): {ratio_single:.2f}x", flush=True)

            many: list = []
            chunks = [chunk(PER_SCANNER) for _ in range(SCANNERS)]
            wall = concurrent(
                run_scans, chunks,
                lambda i, c: (Client(base, token), c, bins, random.Random(100 + i), many, errors),
            )
            many_ms = [r[0] for r in many]
            throughput = len(many) / wall
            print(figures(f"{SCANNERS} scanners, scans     ", many_ms) + f" throughput={throughput:.0f} scans/s",
                  flush=True)
            floor_many: list = []
            floor_chunks = [chunk(PER_SCANNER) for _ in range(SCANNERS)]
            floor_wall = concurrent(run_floor, floor_chunks, lambda i, c: (Client(base, token), c, floor_many, errors))
            print(figures(f"{SCANNERS} scanners, floor     ", floor_many)
                  + f" throughput={len(floor_many) / floor_wall:.0f} req/s", flush=True)
            print(f"scan / floor (p95 under load): {percentile(many_ms, 95) / percentile(floor_many, 95):.2f}x",
                  flush=True)

            # resend 100 scans: the first answers come back, nothing new is recorded
            resend = [r[3] for r in many[:100]]
            replays = [Client(base, token).post("/api/v1/scans", body)[2] for body in resend]

        all_scans = warm + single + many
        accepted = sum(1 for r in all_scans if r[1] == "accepted")
        engine = create_engine(url)
        with engine.connect() as conn:
            ledger = conn.execute(
                text("SELECT count(*) FROM movements WHERE client_scan_id LIKE :p"), {"p": f"bench-{RUN}-%"}
            ).scalar()
            logged = conn.execute(
                text("SELECT count(*) FROM scan_log WHERE client_scan_id LIKE :p"), {"p": f"bench-{RUN}-%"}
            ).scalar()
        engine.dispose()
        print(f"errors: {len(errors)}{' ' + repr(errors[:3]) if errors else ''}", flush=True)
        print(f"accepted scans: {accepted} of {len(all_scans)}; movements in the ledger for them: {ledger}; "
              f"scan log rows: {logged}", flush=True)
        print(f"resent 100 scans: all replayed with the first answer: "
              f"{all(r.get('replayed') for r in replays)}; ledger unchanged: {ledger == accepted}", flush=True)
        out.update(
            single_p50=percentile(scan_ms, 50), single_p95=percentile(scan_ms, 95),
            floor_p50=percentile(floor_single, 50), ratio=ratio_single,
            many_p95=percentile(many_ms, 95), throughput=throughput, errors=len(errors),
            ledger_ok=ledger == accepted,
        )
        targets = [
            ("p50 <= 10 ms (one scanner)", out["single_p50"] <= 10),
            ("p95 <= 20 ms (one scanner)", out["single_p95"] <= 20),
            (">= 200 scans/s (8 scanners)", throughput >= 200),
            ("p95 <= 60 ms (8 scanners)", out["many_p95"] <= 60),
            ("zero errors", not errors),
            ("one movement per accepted scan", out["ledger_ok"]),
        ]
        print("targets: " + "; ".join(f"{name}: {'met' if ok else 'MISSED'}" for name, ok in targets), flush=True)
        return out


def main() -> None:
    print(f"scanning benchmark: {SERIALS:,} serials, gunicorn 4 workers, {os.cpu_count()} CPUs, "
          f"{SINGLE} single-scanner scans, {SCANNERS}x{PER_SCANNER} concurrent", flush=True)
    for kind in DBS:
        bench_database(kind)


if __name__ == "__main__":
    main()
