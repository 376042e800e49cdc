"""Supplier spreadsheets with title rows and foreign headers (issue 12.2, the reading part)."""

import pytest

from portal.receiving import supplier_lists as lists
from tests.receiving.files import csv_bytes, xlsx_bytes


def read_and_check(raw: bytes, **kwargs):
    table = lists.read_table(raw, **kwargs)
    mapping, notes = lists.resolve_mapping(table.headers)
    return table, mapping, lists.check_rows(table, mapping)


def test_an_xlsx_with_title_rows_above_a_spanish_header_row_is_read_from_that_header():
    raw = xlsx_bytes({"Albarán": [
        ["Distribuciones Ibéricas S.L."], ["Albarán de entrega nº 4711", None, "Fecha: 2026-11-30"], [],
        ["Nº de serie", "Referencia", "Descripción", "Precio", "Cantidad", "Nº de caja"],
        [356938035643809, "REF-100", "Teléfono", "199,90", 1, "C-1"],
        ["SN-ABC-2", "REF-200", "Cargador", "9,50", 1, "C-1"],
    ]})
    table, mapping, checked = read_and_check(raw)
    assert table.headers[0] == "Nº de serie"
    assert table.row_number(table.header_index) == 4  # as Excel numbers it
    assert mapping.columns == {"serial": 0, "article": 1, "sku": 1, "description": 2, "cost": 3, "carton": 5}
    assert checked.serials == ["356938035643809", "SN-ABC-2"]
    assert checked.articles == ["REF-100", "REF-200"] and checked.article_header == "Referencia"
    assert [str(c) for c in checked.costs] == ["199.90", "9.50"]
    assert checked.row_numbers == [5, 6]


def test_a_csv_with_german_title_rows_is_read_from_its_header_row():
    rows = [["Lieferschein 4711", "", "", ""], ["Kunde: Lager Nord", "", "", ""],
            ["Seriennr.", "Artikelnummer", "Einzelpreis", "Karton"],
            ["SN-1", "A-100", "1.234,50", "K1"], ["SN-2", "A-100", "12,00", "K2"]]
    table, mapping, checked = read_and_check(csv_bytes(rows, delimiter=";", encoding="cp1252"))
    assert table.header_index == 2
    assert mapping.columns == {"serial": 0, "article": 1, "sku": 1, "cost": 2, "carton": 3}
    assert checked.serials == ["SN-1", "SN-2"]
    assert [str(c) for c in checked.costs] == ["1234.50", "12.00"]


def test_a_title_that_names_serials_does_not_win_over_the_real_header_row():
    rows = [["Serial numbers"], ["Shipment 2026-11"], ["Serial", "SKU", "Unit price"], ["SN-1", "P-1", "3.00"]]
    table, mapping, checked = read_and_check(csv_bytes(rows, delimiter=","))
    assert table.header_index == 2
    assert checked.serials == ["SN-1"] and checked.skus == ["P-1"]


@pytest.mark.parametrize("header,field", [
    # es
    ("Nº de serie", "serial"), ("N° de serie", "serial"), ("No. de serie", "serial"), ("Número de serie", "serial"),
    ("Numero de serie", "serial"), ("NÚMERO DE SERIE", "serial"), ("Nro. serie", "serial"), ("Serie", "serial"),
    ("Referencia", "article"), ("Código", "sku"), ("Codigo", "sku"), ("Precio", "cost"), ("Precio unitario", "cost"),
    ("Descripción", "description"), ("Nº de pedido", "po"), ("Caja", "carton"), ("Dirección MAC", "serial"),
    # de
    ("Seriennr.", "serial"), ("Seriennummer", "serial"), ("Serien-Nr.", "serial"), ("Artikelnummer", "article"),
    ("Art.-Nr.", "article"), ("Artikel-Nr.", "article"), ("Einzelpreis", "cost"), ("Stückpreis", "cost"),
    ("Preis", "cost"), ("Bezeichnung", "description"), ("Bestellnummer", "po"), ("Karton", "carton"),
    ("Palette", "carton"), ("IMEI-Nummer", "serial"),
    # fr
    ("N° de série", "serial"), ("Nº de série", "serial"), ("Numéro de série", "serial"), ("No de serie", "serial"),
    ("Référence", "article"), ("Réf.", "article"), ("Prix", "cost"), ("Prix unitaire", "cost"),
    ("Désignation", "description"), ("N° de commande", "po"), ("Colis", "carton"), ("Adresse MAC", "serial"),
    # it
    ("Numero di serie", "serial"), ("N. di serie", "serial"), ("Matricola", "serial"), ("Codice articolo", "article"),
    ("Prezzo", "cost"), ("Prezzo unitario", "cost"), ("Descrizione", "description"), ("Numero ordine", "po"),
    ("Collo", "carton"),
    # nl
    ("Serienummer", "serial"), ("Serienr.", "serial"), ("Artikelcode", "article"), ("Prijs", "cost"),
    ("Omschrijving", "description"), ("Bestelnummer", "po"), ("Doos", "carton"),
    # en, the supplier's article number
    ("Item no", "article"), ("Item no.", "article"), ("Supplier part", "article"), ("Vendor SKU", "article"),
    # quantities are not a field (one row per unit)
    ("Cantidad", None), ("Menge", None), ("Quantité", None), ("Aantal", None),
])
def test_spanish_german_french_italian_and_dutch_headers_are_recognised(header, field):
    assert lists.header_field(header) == field


@pytest.mark.parametrize("header,kind", [("IMEI", "imei"), ("IMEI-Nummer", "imei"), ("Número IMEI", "imei"),
                                         ("MAC-Adresse", "mac"), ("Dirección MAC", "mac"), ("Seriennr.", "any")])
def test_imei_and_mac_headers_in_other_languages_ask_for_their_checks(header, kind):
    assert lists.header_serial_kind(header) == kind


def test_no_header_row_says_what_to_do_and_keeps_the_raw_rows_for_the_preview():
    rows = [["Lieferschein 4711"], ["Kennung", "Artikel", "Menge"], ["X-1", "A-1", "1"], ["X-2", "A-1", "1"]]
    with pytest.raises(lists.UnreadableFile) as refused:
        lists.read_table(csv_bytes(rows, delimiter=";"))
    error = refused.value
    assert error.code == "no_serial_column"
    assert "Pick the header row and the serial column on the preview" in error.message
    assert error.details["header_row"] == 1  # the row most like a header
    assert error.details["columns"] == ["Kennung", "Artikel", "Menge"]
    assert error.details["rows"][2] == ["X-1", "A-1", "1"]
    assert error.table is not None and error.table.rows[3] == ["X-2", "A-1", "1"]


def test_the_receiver_picks_the_header_row_and_the_serial_column():
    rows = [["Lieferschein 4711"], ["Kennung", "Artikel", "Menge"], ["X-1", "A-1", "1"], ["X-2", "A-1", "1"]]
    raw = csv_bytes(rows, delimiter=";")
    table = lists.read_table(raw, header_row=1)
    assert table.headers == ["Kennung", "Artikel", "Menge"]
    with pytest.raises(lists.UnreadableFile) as refused:
        lists.resolve_mapping(table.headers)  # still no serial column: the receiver picks it
    assert refused.value.code == "no_serial_column" and "Pick the serial column" in refused.value.message
    mapping, notes = lists.resolve_mapping(table.headers, explicit={"serial": "Kennung"})
    checked = lists.check_rows(table, mapping)
    assert checked.serials == ["X-1", "X-2"] and checked.skus == ["A-1", "A-1"]  # Artikel read as the SKU
    assert checked.row_numbers == [3, 4]
    # the same file read with the serial column named up front, as the API can
    table = lists.read_table(raw, mapping_hint={"serial": "Kennung"})
    assert table.header_index == 1


@pytest.mark.parametrize("header_row", [-1, 4, 10_000, True, "1"])
def test_a_header_row_outside_the_file_is_refused(header_row):
    with pytest.raises(lists.UnreadableFile) as refused:
        lists.read_table(b"Serial\nSN-1\nSN-2\n", header_row=header_row)
    assert refused.value.code == "bad_header_row"


def test_an_article_column_beside_a_sku_column_is_its_own():
    rows = [["Serial", "SKU", "Supplier part"], ["SN-1", "p-1", "ab-77"]]
    table = lists.read_table(csv_bytes(rows))
    mapping = lists.recognise_columns(table.headers)
    assert mapping.columns == {"serial": 0, "sku": 1, "article": 2}
    checked = lists.check_rows(table, mapping)
    assert checked.skus == ["P-1"] and checked.articles == ["AB-77"]
    checked.keep([False])
    assert checked.articles == [] and checked.serials == []


def test_blank_headers_and_columns_past_the_header_row_can_be_mapped():
    rows = [["Serial", "", "SKU"], ["SN-1", "x", "P-1", "10.00"], ["SN-2", "y", "P-1", "11.00"]]
    raw = csv_bytes(rows, delimiter=";")
    table = lists.read_table(raw)
    assert table.headers == ["Serial", "Column 2", "SKU", "Column 4"]
    mapping, _ = lists.resolve_mapping(table.headers, explicit={"cost": "Column 4"})
    checked = lists.check_rows(table, mapping)
    assert [str(c) for c in checked.costs] == ["10.00", "11.00"]
