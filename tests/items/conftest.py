"""The items tests use the reports' fixed warehouse (its figures are worked out by hand)."""

from tests.reports.conftest import fixed_warehouse, manager  # noqa: F401 (fixtures)
from tests.scanning.conftest import floor, scan  # noqa: F401 (the scan station, for serial corrections)
