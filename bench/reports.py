"""Reports benchmark: each report as a PDF through the HTTP API (gunicorn),
on SQLite and PostgreSQL, with 1,000,000 in-stock serials and 50,000 defect
reports. Targets: each PDF at most 3 s end to end, peak memory at most 1 GB.

In the same run it times the bare floor: the SQL aggregation alone (the
report's queries, in-process) and WeasyPrint rendering a one-page document,
and prints the ratios endpoint / floor.

The machine is shared (2 cores): wall times swing with what else runs. Next
to each wall time the benchmark prints the CPU seconds spent (by the serving
gunicorn worker for a request, by this process for a floor), which depend far
less on the neighbours.

    python -m bench reports            # both databases
    BENCH_DBS=sqlite python -m bench reports
    BENCH_SERIALS=100000 python -m bench reports   # a quicker, smaller run
"""

from __future__ import annotations

import os
import statistics
import time
import urllib.request
from pathlib import Path

from bench import dataset

TARGET_SECONDS = 3.0
TARGET_MEMORY_MB = 1024
RUNS = 3
REPORTS = {
    "stock-aging": "/api/v1/reports/stock-aging?format=pdf",
    "defects-by-supplier": "/api/v1/reports/defects-by-supplier?format=pdf",
}


def _get(url: str, token: str) -> tuple[float, bytes]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})  # noqa: S310 - local
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 - local server
        body = response.read()
        assert response.status == 200, response.status
    return time.perf_counter() - started, body


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of the processes so far (from /proc/<pid>/stat)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def _timed_get(url: str, token: str, pids: list[int]) -> tuple[float, float, bytes]:
    before = _cpu_seconds(pids)
    wall, body = _get(url, token)
    return wall, _cpu_seconds(pids) - before, body


def _server_pids(port: int) -> list[int]:
    """The gunicorn master and workers serving ``port`` (started by this run)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(b"gunicorn" in part for part in cmdline[:2]) and f"127.0.0.1:{port}".encode() in cmdline:
            pids.append(int(entry.name))
    return pids


def _peak_rss_mb(pids: list[int]) -> float:
    """The highest peak resident size (VmHWM) of any one of the processes."""
    peak = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        except OSError:
            continue
    return peak / 1024


def _floors(url: str) -> dict[str, float]:
    """In-process: the SQL aggregation of each report alone, and a one-page PDF."""
    from portal import create_app
    from portal.extensions import db
    from portal.reports import queries
    from portal.reports.aging import read_stock_aging
    from portal.reports.filters import parse_aging_filters, parse_defect_filters
    from portal.reports.pdf import html_to_pdf
    from portal.reports.services import report_settings

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": False})
    floors = {}
    with app.app_context(), app.test_request_context():
        s = db.session
        with report_settings(s):  # as the report does, for its transaction
            aging = parse_aging_filters(s, {})
            started, cpu = time.perf_counter(), time.process_time()
            reads = read_stock_aging(s, aging, app.config["AGING_BUCKETS"])  # every read the report makes
            floors["stock-aging"] = time.perf_counter() - started
            floors["stock-aging cpu"] = time.process_time() - cpu
            floors["stock-aging rows"] = len(reads.groups)
        s.rollback()
        with report_settings(s):
            defects = parse_defect_filters(s, {})
            started, cpu = time.perf_counter(), time.process_time()
            cohorts = queries.defect_cohorts(s, defects)
            queries.defect_reasons(s, defects)
            queries.days_to_defect(s, defects)
            floors["defects-by-supplier"] = time.perf_counter() - started
            floors["defects-by-supplier cpu"] = time.process_time() - cpu
            floors["defects-by-supplier rows"] = len(cohorts)
        s.rollback()
        html_to_pdf("<html><body><h1>One page</h1><p>Floor.</p></body></html>")  # warm fonts
        started, cpu = time.perf_counter(), time.process_time()
        html_to_pdf('<html><head><link rel="stylesheet" href="css/print.css"></head><body><h1>One page</h1>'
                    "<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody>"
                    + "".join(f"<tr><td>{i}</td><td>{i * 2}</td></tr>" for i in range(20))
                    + "</tbody></table></body></html>")
        floors["weasyprint one page"] = time.perf_counter() - started
        floors["weasyprint one page cpu"] = time.process_time() - cpu
        db.engine.dispose()
    return floors


def run(kind: str, serials: int, defects: int) -> list[str]:
    lines = []
    with dataset.database(kind) as url:
        info = dataset.load_warehouse(url, serials=serials, defects=defects)
        print(f"[{kind}] loaded {info['counts']} in {info['load_seconds']} s"
              f"{' (cache)' if info.get('from_cache') else ''}", flush=True)
        floors = _floors(url)
        token = info["manager_token"]
        with dataset.serve(url, workers=2) as base:
            port = int(base.rsplit(":", 1)[1])
            pids = _server_pids(port)
            for name, path in REPORTS.items():
                cold, _, body = _timed_get(base + path, token, pids)  # first: imports, fonts, caches
                runs = [_timed_get(base + path, token, pids) for _ in range(RUNS)]
                times, cpus = [r[0] for r in runs], [r[1] for r in runs]
                worst, median, cpu = max(times), statistics.median(times), statistics.median(cpus)
                floor = floors[name] + floors["weasyprint one page"]
                verdict = "OK" if worst <= TARGET_SECONDS else "MISSED"
                lines.append(
                    f"{kind:10} {name:20} PDF {len(body) / 1024:4.0f} KB  first {cold:5.2f} s  "
                    f"median {median:5.2f} s (server CPU {cpu:5.2f} s)  worst {worst:5.2f} s  "
                    f"[{verdict} <= {TARGET_SECONDS} s]\n"
                    f"{'':10} {'':20} SQL floor {floors[name]:5.2f} s (CPU {floors[name + ' cpu']:5.2f} s, "
                    f"{floors[name + ' rows']} grouped rows)  endpoint/SQL {median / floors[name]:4.1f}x  "
                    f"endpoint/(SQL + 1-page PDF) {median / floor:4.1f}x  "
                    f"CPU endpoint/(SQL + 1-page PDF) "
                    f"{cpu / (floors[name + ' cpu'] + floors['weasyprint one page cpu']):4.1f}x"
                )
                print(lines[-1], flush=True)
            peak = _peak_rss_mb(pids)
            verdict = "OK" if peak <= TARGET_MEMORY_MB else "MISSED"
            lines.append(f"{kind:10} peak memory of any gunicorn process {peak:6.0f} MB  [{verdict} <= "
                         f"{TARGET_MEMORY_MB} MB]   WeasyPrint one-page floor {floors['weasyprint one page']:.2f} s "
                         f"(CPU {floors['weasyprint one page cpu']:.2f} s); load average "
                         f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
            print(lines[-1], flush=True)
    return lines


def main() -> None:
    serials = int(os.environ.get("BENCH_SERIALS", "1000000"))
    defects = int(os.environ.get("BENCH_DEFECTS", "50000"))
    kinds = [k.strip() for k in os.environ.get("BENCH_DBS", "sqlite,postgresql").split(",") if k.strip()]
    print(f"Reports benchmark: {serials:,} in-stock serials, {defects:,} defect reports, {RUNS} timed runs each")
    lines = []
    for kind in kinds:
        lines += run(kind, serials, defects)
    print("\nSummary")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
