"""Run every benchmark module in bench/ (each has a main()), or those named."""

import importlib
import pkgutil
import sys
from pathlib import Path

SKIP = {"__main__", "dataset"}


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = argv or sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name not in SKIP)
    for name in names:
        print(f"\n=== bench/{name}.py ===", flush=True)
        importlib.import_module(f"bench.{name}").main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
