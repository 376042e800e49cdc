"""Catalog, home pages and the demo loader, timed.

1. `seed-demo` into a fresh database (the demo must load in under 10 s).
2. Against a 1,000,000-serial warehouse served by gunicorn: the admin's home
   page (open receipts, stock and value at cost per warehouse and status), the
   catalog lists and their active-search fragments, a warehouse's bins with
   item counts. Sequential requests; median and 95th percentile.

    python -m bench catalog          (BENCH_SERIALS=100000 for a quicker run)
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import statistics
import time
import urllib.parse
import urllib.request

from bench import dataset

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "15"))


def _time_demo(url: str) -> tuple[float, str]:
    from portal.demo import seed_demo
    from portal.extensions import db

    app = dataset._app(url)
    with app.app_context():
        started = time.perf_counter()
        summary = seed_demo(db.session, seed=42)
        db.session.commit()
        elapsed = time.perf_counter() - started
        db.session.remove()
        db.engine.dispose()
    return elapsed, summary


def cookie_opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))


def log_in(opener, base: str, username: str, password: str) -> None:
    page = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"csrf_token": token, "username": username, "password": password}).encode()
    response = opener.open(urllib.request.Request(base + "/login", data=data))  # noqa: S310 - local http
    assert response.geturl().rstrip("/") == base, "login failed"


def _measure(opener, url: str, *, htmx: bool = False) -> tuple[float, float, int]:
    headers = {"HX-Request": "true"} if htmx else {}
    times, size = [], 0
    for _ in range(ROUNDS):
        started = time.perf_counter()
        with opener.open(urllib.request.Request(url, headers=headers)) as response:  # noqa: S310 - local http
            size = len(response.read())
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))], size


def main() -> None:
    serials = int(os.environ.get("BENCH_SERIALS", "1000000"))
    for kind in ("sqlite", "postgresql"):
        with dataset.database(kind) as url:
            elapsed, summary = _time_demo(url)
            print(f"{kind}: seed-demo {elapsed:.1f} s (commit included) — {summary}", flush=True)
        with dataset.database(kind) as url:
            info = dataset.load_warehouse(url, serials=serials, defects=50_000, seed=1)
            print(f"{kind}: warehouse {info['counts']} ready in {info.get('load_seconds', '?')} s", flush=True)
            with dataset.serve(url, workers=2) as base:
                opener = cookie_opener()
                log_in(opener, base, "bench-admin", "bench-admin-1")
                listing = opener.open(base + "/catalog/warehouses").read().decode()
                warehouse_id = re.search(r"/catalog/warehouses/(\d+)/bins", listing).group(1)
                pages = [
                    ("home (admin: receipts + stock at a glance)", "/", False),
                    ("products list", "/catalog/products", False),
                    ("products search fragment q=a", "/catalog/products?q=a", True),
                    ("suppliers search fragment q=s", "/catalog/suppliers?q=s", True),
                    ("warehouses list with counts", "/catalog/warehouses", False),
                    ("bins of a warehouse with item counts", f"/catalog/warehouses/{warehouse_id}/bins", False),
                    ("bins search fragment, page 2", f"/catalog/warehouses/{warehouse_id}/bins?q=A&page=2", True),
                ]
                for label, path, htmx in pages:
                    median, p95, size = _measure(opener, base + path, htmx=htmx)
                    print(f"{kind}: {label:45} median {median:7.1f} ms  p95 {p95:7.1f} ms  ({size:,} bytes)",
                          flush=True)


if __name__ == "__main__":
    main()
