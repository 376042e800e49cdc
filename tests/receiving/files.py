"""Small supplier files built in the tests."""

from __future__ import annotations

import io


def csv_bytes(rows: list[list[str]], *, delimiter: str = ",", encoding: str = "utf-8", newline: str = "\n",
              sep_line: bool = False) -> bytes:
    lines = [delimiter.join(r) for r in rows]
    text = newline.join(lines) + newline
    if sep_line:
        text = f"sep={delimiter}{newline}" + text
    return text.encode(encoding)


def xlsx_bytes(sheets: dict[str, list[list]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)  # streams rows out: a 100k-row sheet in seconds
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def multipart(content: bytes, file_name: str = "big.csv", **fields) -> tuple[bytes, str]:
    """A multipart body with ``fields`` and the file, built by hand: the test client would spool a
    large file to a temporary file it never closes. Returns (body, content type)."""
    boundary = "----receiving-test"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
                 "Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def serial_list(n: int, prefix: str = "SN", header: str = "Serial") -> bytes:
    return ("\n".join([header] + [f"{prefix}{i:07d}" for i in range(n)]) + "\n").encode()


# --- hand-built workbooks (hostile ones too), no binaries committed ------------------------------

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
    'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'spreadsheetml.worksheet+xml"/></Types>')
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
    'main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name='
    '"Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
SHEET_START = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
               'spreadsheetml/2006/main">')


def inline_cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def sheet_xml(rows: list[str], *, head: str = "", prolog: str = "") -> str:
    """A worksheet part from ready-made ``<row>`` elements (``prolog`` goes before the root)."""
    start = SHEET_START if not prolog else SHEET_START.replace("<worksheet", prolog + "<worksheet", 1)
    return start + head + "<sheetData>" + "".join(rows) + "</sheetData></worksheet>"


def workbook_bytes(sheet: str, *, extra: dict[str, str] | None = None,
                   sheet_part: str = "xl/worksheets/sheet1.xml") -> bytes:
    """A minimal valid XLSX with one sheet "Sheet1" whose part is ``sheet``, stored as
    ``sheet_part`` (the relationships point there, whatever its name)."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES.replace("/xl/worksheets/sheet1.xml", "/" + sheet_part))
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels",
                         _WORKBOOK_RELS.replace('Target="worksheets/sheet1.xml"', f'Target="/{sheet_part}"'))
        archive.writestr(sheet_part, sheet)
        for name, text in (extra or {}).items():
            archive.writestr(name, text)
    return out.getvalue()


def _deflate_repeated(head: bytes, block: bytes, times: int, tail: bytes) -> tuple[bytes, int]:
    """A raw deflate stream of head + block * times + tail, built without compressing
    every copy: after a full flush the compressor forgets what came before, so the
    compressed bytes of one copy can be repeated. Returns (stream, uncompressed size)."""
    import zlib

    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = packer.compress(head) + packer.flush(zlib.Z_FULL_FLUSH)
    one = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    assert packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH) == one
    end = packer.compress(tail) + packer.flush()
    return start + one * times + end, len(head) + len(block) * times + len(tail)


def _zip_entry(name: str, stream: bytes, size: int, crc: int, offset: int) -> tuple[bytes, bytes]:
    import struct

    encoded = name.encode()
    local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(stream), size,
                        len(encoded), 0) + encoded + stream
    central = struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, crc, len(stream), size,
                          len(encoded), 0, 0, 0, 0, 0, offset) + encoded
    return local, central


def bomb_xlsx(expanded_mb: int, *, declared_mb: int | None = None) -> bytes:
    """An XLSX whose sheet expands to ``expanded_mb`` MB of rows of real cells. Its zip
    directory declares that size, or ``declared_mb`` (a lying directory). The CRC is
    never right (computing it would mean expanding the bomb): a reader must refuse the
    file on its size before it gets that far."""
    import struct
    import zlib

    row = b'<row><c t="inlineStr"><is><t>SN000001</t></is></c></row>'
    block = row * (2**20 // len(row))
    head = (SHEET_START + "<sheetData>").encode()
    stream, size = _deflate_repeated(head, block, expanded_mb * 2**20 // len(block), b"</sheetData></worksheet>")
    declared = size if declared_mb is None else declared_mb * 2**20
    parts = [(n, zlib.compress(t.encode())[2:-4], len(t.encode()), zlib.crc32(t.encode())) for n, t in (
        ("[Content_Types].xml", _CONTENT_TYPES), ("_rels/.rels", _RELS), ("xl/workbook.xml", _WORKBOOK),
        ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS))]
    parts.append(("xl/worksheets/sheet1.xml", stream, declared, 0))
    body, directory = b"", b""
    for name, data, length, crc in parts:
        local, central = _zip_entry(name, data, length, crc, len(body))
        body += local
        directory += central
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(parts), len(parts), len(directory), len(body), 0)
    return body + directory + end
