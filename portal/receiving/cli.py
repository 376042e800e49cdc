"""Command-line entries for receiving: the same services as the pages and the API."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup

from ..errors import DomainError
from ..extensions import db

cli = AppGroup("receipts", help="Receiving: import supplier serial lists.")


def _print_preview(preview) -> None:
    summary = preview.summary()
    if "format" in summary:
        click.echo(f"File: {summary['file']} ({summary['format']})")
    for note in summary.get("notes", []):
        click.echo(f"Note: {note}")
    click.echo(f"Rows read: {summary['rows']}  valid: {summary['valid']}  with errors: {summary['invalid']}")
    for code, n in sorted(summary["errors_by_code"].items(), key=lambda kv: -kv[1]):
        click.echo(f"  {n:>8}  {code}")
    for error in preview.errors[:20]:
        click.echo(f"  row {error.row}, {error.column}: {error.value[:60]!r}: {error.message}")
    if len(preview.errors) > 20:
        click.echo(f"  ... and {len(preview.errors) - 20} more")


@cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--supplier", required=True, help="Supplier code.")
@click.option("--warehouse", required=True, help="Destination warehouse code.")
@click.option("--reference", required=True, help="PO, ASN or invoice number.")
@click.option("--product", default=None, help="SKU for rows that carry none.")
@click.option("--condition", default="regular", show_default=True)
@click.option("--ownership", default="owned", show_default=True)
@click.option("--unit-cost", default=None)
@click.option("--expected-date", default=None, help="YYYY-MM-DD")
@click.option("--sheet", default=None, help="XLSX sheet (the first by default).")
@click.option("--mapping", "mapping_json", default=None, metavar="JSON",
              help='Which column holds what, by header: \'{"serial": "Seriennr.", "sku": "Artikel"}\'. '
                   "Fields not named are read from the file's header.")
@click.option("--skip-invalid", is_flag=True, help="Commit the valid rows and record the invalid ones as skipped.")
@click.option("--dry-run", is_flag=True, help="Only check the list; save nothing.")
def import_command(file: Path, supplier, warehouse, reference, product, condition, ownership, unit_cost,
                   expected_date, sheet, mapping_json, skip_invalid, dry_run):
    """Import FILE (CSV, text or XLSX) as a receipt of expected items."""
    from . import services

    mapping = None
    if mapping_json:
        try:
            mapping = json.loads(mapping_json)
        except ValueError as error:
            raise click.BadParameter(f"not JSON ({error})", param_hint="--mapping") from None
        columns = mapping.get("columns", mapping) if isinstance(mapping, dict) else None
        if not isinstance(columns, dict) or not all(isinstance(v, str) for v in columns.values()):
            raise click.BadParameter('give an object of field to column header, e.g. {"serial": "Seriennr."}',
                                     param_hint="--mapping")
    content = file.read_bytes()
    try:
        header = services.receipt_header(
            db.session, supplier=supplier, warehouse=warehouse, reference=reference, expected_date=expected_date,
            product=product, condition=condition, ownership=ownership, unit_cost=unit_cost)
        if dry_run:
            preview = services.preview_list(db.session, header=header, content=content, file_name=file.name,
                                            sheet=sheet, mapping=mapping)
            db.session.rollback()
            if preview.refusal:
                raise click.ClickException(preview.refusal.message)
            _print_preview(preview)
            click.echo("Dry run: nothing was saved.")
            return
        receipt, preview = services.import_list(db.session, header=header, content=content, file_name=file.name,
                                                actor=None, sheet=sheet, mapping=mapping, skip_invalid=skip_invalid)
    except services.ListRefused as refused:
        db.session.rollback()
        _print_preview(refused.preview)
        raise click.ClickException(refused.message) from None
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    _print_preview(preview)
    click.echo(f"Receipt #{receipt.id} created: {preview.valid} serials listed"
               f"{f', {receipt.skipped_rows} invalid rows skipped' if receipt.skipped_rows else ''}.")
