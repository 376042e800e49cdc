"""The consignment pages: choose a supplier, read the statement, settle with
the form; the PDF and CSV; hostile references escaped; roles on the server."""

import csv
import io

import pytest

from portal.extensions import db
from tests.consignment import consignment_stock, day, days_ago, sell

HOSTILE = '=HYPERLINK("http://x")<img src=x onerror="alert(1)">'


@pytest.fixture
def sales(app):
    with app.app_context():
        unit = consignment_stock(db.session, cost="100.00")
        unit("ON-HAND")
        sell(db.session, unit("S-1"), at=days_ago(6), order="SO-1")
        sell(db.session, unit("S-2"), at=days_ago(3), order=HOSTILE)
        db.session.commit()


def test_the_consignment_page_offers_the_suppliers_and_a_period(client_as, sales):
    """The page the navigation opens (found broken by the page walk: its period fields had no values)."""
    page = client_as("manager").get("/consignment/")
    assert page.status_code == 200
    assert 'name="supplier"' in page.text and 'name="from"' in page.text and "CONS" in page.text


def test_a_manager_reads_the_statement_and_settles_it(client_as, sales, pdf_text, tmp_path):
    manager = client_as("manager")
    assert "Consignment" in manager.get("/").text
    chosen = manager.get("/consignment/", query_string={"supplier": "cons"}, follow_redirects=True)
    assert chosen.status_code == 200 and chosen.request.path == "/consignment/CONS"
    page = chosen.text
    assert "S-1" in page and "S-2" in page and "200.00" in page
    assert HOSTILE not in page and "&lt;img src=x" in page
    settled = manager.post("/consignment/CONS/settlements", data={"until": day(4).isoformat(),
                                                                  "reference": HOSTILE}, follow_redirects=True)
    assert settled.status_code == 200 and "Settled up to" in settled.text and "1 sale, 100.00" in settled.text
    assert HOSTILE not in settled.text and "&lt;img src=x" in settled.text
    assert "S-1" not in settled.text.split("Settlements")[0]  # the next statement starts after the settlement
    again = manager.post("/consignment/CONS/settlements", data={"until": day(4).isoformat(), "reference": "R"},
                         follow_redirects=True)
    assert "is settled up to" in again.text
    period = {"from": day(10).isoformat(), "to": day(1).isoformat()}
    got = manager.get("/consignment/CONS/statement.csv", query_string=period)
    assert got.status_code == 200 and got.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(got.data.decode("utf-8-sig"))))
    assert rows[0][:2] == ["Serial", "SKU"] and [r[0] for r in rows[1:]] == ["S-1", "S-2"]
    assert rows[1][-1] == "'" + HOSTILE and rows[2][3] == "'" + HOSTILE  # formulas neutralised
    pdf = manager.get("/consignment/CONS/statement.pdf", query_string=period)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = " ".join(pdf_text(pdf.data, tmp_path))
    assert "S-1" in text and "onerror" in text  # the reference as typed, text in the PDF


def test_a_bad_day_is_a_message_naming_the_field(client_as, sales):
    refused = client_as("manager").get("/consignment/CONS", query_string={"to": "2026-02-30"})
    assert refused.status_code == 422 and "to: &#39;2026-02-30&#39; is not a date" in refused.text


def test_only_managers_see_consignment(client_as, sales):
    for role in ("receiver", "operator"):
        client = client_as(role)
        assert "/consignment/" not in client.get("/").text
        assert client.get("/consignment/").status_code == 403
        assert client.get("/consignment/CONS").status_code == 403
        assert client.get("/consignment/CONS/statement.csv").status_code == 403
        assert client.post("/consignment/CONS/settlements",
                           data={"until": day(1).isoformat(), "reference": "R"}).status_code == 403
    assert client_as("admin").get("/consignment/CONS").status_code == 200


def test_a_settle_form_without_its_csrf_token_is_refused(client_as, sales):
    posted = client_as("manager").post("/consignment/CONS/settlements", csrf=False,
                                       data={"until": day(1).isoformat(), "reference": "R"})
    assert posted.status_code == 400
