"""Command-line entries for receiving. (Stub, filled in by its feature.)"""

from flask.cli import AppGroup

cli = AppGroup("receipts", help="receiving commands.")
