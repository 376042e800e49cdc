"""Every vendored front-end file is the npm package's own file (issue 12.7):
its sha256 is the one recorded beside it, with the package and version it
came from, and no vendored file goes unrecorded."""

import hashlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
RECORDS = {ROOT / "static" / "vendor": ROOT / "static" / "vendor" / "README.md",
           Path(__file__).parent: Path(__file__).parent / "README.md"}
#: | `file` | `package@version` ... | `path in the tarball` | `sha256` |
ROW = re.compile(r"^\| `([^`]+)` \| `((?:@[\w.-]+/)?[\w.-]+)@(\d[\w.-]*)`[^|]*"
                 r"\| `(package/[^`]+)` \| `([0-9a-f]{64})` \|$", re.M)
NOT_VENDORED = {"README.md", "__init__.py", Path(__file__).name}


def _recorded(folder: Path) -> dict[str, tuple[str, str, str]]:
    """file name -> (package, version, sha256) as the folder's README records them."""
    return {name: (package, version, sha256)
            for name, package, version, _, sha256 in ROW.findall(RECORDS[folder].read_text(encoding="utf-8"))}


@pytest.mark.parametrize("folder", sorted(RECORDS), ids=lambda f: str(f.relative_to(ROOT)))
def test_each_vendored_file_is_recorded_with_its_package_and_sha256(folder):
    recorded = _recorded(folder)
    files = {p.name for p in folder.iterdir()
             if p.is_file() and p.name not in NOT_VENDORED and p.suffix != ".pyc"}
    assert files, folder
    assert files == set(recorded), "vendored but not recorded (or recorded but missing)"
    for name, (package, version, sha256) in recorded.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == sha256, name
        assert version in name, f"{name} does not carry the version of {package}@{version}"


def test_the_camera_polyfill_and_its_reader_are_the_versions_that_belong_together():
    """barcode-detector 3.2.2 depends on zxing-wasm 3.1.3 exactly and names the
    reader's sha256 in its build: the committed .wasm is that one."""
    recorded = _recorded(ROOT / "static" / "vendor")
    polyfill = next(n for n, (package, _, _) in recorded.items() if package == "barcode-detector" and n.endswith(".js"))
    wasm = next(n for n in recorded if n.endswith(".wasm"))
    assert recorded[wasm][:2] == ("zxing-wasm", "3.1.3")
    build = (ROOT / "static" / "vendor" / polyfill).read_text(encoding="utf-8")
    assert "zxing-wasm@3.1.3" in build and recorded[wasm][2] in build
