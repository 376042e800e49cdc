"""Command-line entries for reports: the same report functions as the pages
and the API. ``flask --app portal reports stock-aging --out aging.pdf``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ..errors import DomainError
from ..extensions import db

cli = AppGroup("reports", help="Build manager reports and label sheets.")

_FORMATS = ("pdf", "csv", "xlsx", "json")


def _write(kind: str, out: Path, fmt: str | None, table: str | None, args: dict) -> None:
    from .downloads import render_report
    from .services import build_report

    fmt = (fmt or out.suffix.lstrip(".") or "pdf").lower()
    if fmt not in _FORMATS:
        raise click.ClickException(f"Cannot tell the format from {out.name}: use --format {'|'.join(_FORMATS)}.")
    try:
        report = build_report(db.session, kind, {k: v for k, v in args.items() if v is not None},
                              config=current_app.config)
        download = render_report(report, fmt, table=table)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    finally:
        db.session.rollback()
    out.write_bytes(download.body)
    click.echo(f"Wrote {out} ({len(download.body):,} bytes, {fmt}).")


def _common(command):
    for option in reversed([
        click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
                     help="File to write; the format follows its extension (.pdf .csv .xlsx .json)."),
        click.option("--format", "fmt", type=click.Choice(_FORMATS), help="Override the format."),
        click.option("--table", help="For CSV: which table (default the first)."),
        click.option("--warehouse", help="Warehouse code."),
        click.option("--supplier", help="Supplier code."),
        click.option("--product", help="Product SKU."),
    ]):
        command = option(command)
    return command


@cli.command("stock-aging")
@_common
@click.option("--as-of", "as_of", help="Date YYYY-MM-DD (default today).")
@click.option("--condition", help="regular | sample | damaged | refurbished")
@click.option("--ownership", help="owned | consignment")
@click.option("--near-expiry-days", "near_expiry_days", help="Near-expiry window in days (default 30).")
@click.option("--fifo-days", "fifo_days", help="FIFO period in days ending on the as-of date (default 30).")
def stock_aging_command(out, fmt, table, **filters):
    """Stock aging report."""
    _write("stock-aging", out, fmt, table, filters)


@cli.command("defects")
@_common
@click.option("--from", "date_from", help="First day of receipt, YYYY-MM-DD (default 12 months back).")
@click.option("--to", "date_to", help="Last day of receipt, YYYY-MM-DD (default today).")
def defects_command(out, fmt, table, **filters):
    """Defects by supplier report."""
    _write("defects-by-supplier", out, fmt, table, filters)


cli.add_command(defects_command, "defects-by-supplier")


@cli.command("bin-labels")
@click.option("--warehouse", required=True, help="Warehouse code.")
@click.option("--bin", "bins", multiple=True, help="Bin code (repeat); leave out with --all.")
@click.option("--all", "all_bins", is_flag=True, help="Every active bin of the warehouse.")
@click.option("--sheet", default="a4-3x8", show_default=True)
@click.option("--skip", default=0, show_default=True, help="Labels already used on the first sheet.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def bin_labels_command(warehouse, bins, all_bins, sheet, skip, out):
    """A PDF sheet of bin labels."""
    from .labels import bin_labels_pdf

    try:
        body = bin_labels_pdf(db.session, warehouse_code=warehouse, bin_codes=list(bins), all_bins=all_bins,
                              prefix=current_app.config["BIN_LABEL_PREFIX"], sheet_key=sheet, skip=skip)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    finally:
        db.session.rollback()
    out.write_bytes(body)
    click.echo(f"Wrote {out} ({len(body):,} bytes).")
