"""Every part of the portal imports on its own in a fresh interpreter.

A circular import hides when the test session happens to import modules in a
friendly order: `make bench` once died at `create_app()` because
`portal.api` reached `portal.defects` before `portal.items`.
"""

import pkgutil
import subprocess
import sys
from pathlib import Path

import portal

ROOT = Path(__file__).resolve().parents[2]


def test_every_portal_package_and_module_imports_first_in_a_fresh_interpreter():
    names = sorted(f"portal.{m.name}" for m in pkgutil.iter_modules(portal.__path__) if m.name != "migrations")
    running = {name: subprocess.Popen([sys.executable, "-W", "ignore", "-c", f"import {name}"], cwd=ROOT,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
               for name in names}
    failed = {}
    for name, process in running.items():
        _, err = process.communicate(timeout=120)
        if process.returncode:
            failed[name] = err.strip().splitlines()[-1]
    assert failed == {}
