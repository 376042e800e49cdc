"""The return note PDF: supplier, RMA number, and each serial as text and as a
Code128 barcode with its product and reason (rendered escaped by Jinja)."""

from __future__ import annotations

from flask import render_template
from sqlalchemy.orm import Session

from ..reports.labels import barcode_data_uri
from ..reports.pdf import html_to_pdf
from . import queries
from .models import SupplierReturn


def return_note_pdf(session: Session, found: SupplierReturn) -> bytes:
    lines = [{**vars(line), "barcode": barcode_data_uri(line.serial, width_mm=60, height_mm=12)}
             for line in queries.lines(session, found.id)]
    return html_to_pdf(render_template("supplier_returns/pdf/note.html", found=found, lines=lines))
