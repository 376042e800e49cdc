"""Command-line entries for reports. (Stub, filled in by its feature.)"""

from flask.cli import AppGroup

cli = AppGroup("reports", help="reports commands.")
