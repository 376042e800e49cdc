"""The recall PDF: the reason, criteria and progress, and the first
:data:`PDF_UNITS` units; the CSV holds every unit. WeasyPrint takes about 10 s
and 540 MB for 2,000 table rows, so a recall of 100,000 units is not printed
whole: the PDF says how many are left out and where they are."""

from __future__ import annotations

from flask import render_template
from sqlalchemy.orm import Session

from ..models import utcnow
from . import queries
from .models import Recall

PDF_UNITS = 200


def recall_pdf(session: Session, recall: Recall) -> bytes:
    from ..reports.pdf import html_to_pdf  # here: reports imports scanning, which imports this package

    counts = queries.by_status(session, recall.id)
    return html_to_pdf(render_template(
        "recalls/pdf/recall.html", recall=recall, criteria=queries.criteria_words(recall),
        progress=queries.Progress.of(recall.affected, counts),
        units=queries.units(session, recall.id, limit=PDF_UNITS), shown_max=PDF_UNITS, generated_at=utcnow()))
