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

    workbook = Workbook()
    first = True
    for name, rows in sheets.items():
        sheet = workbook.active if first else workbook.create_sheet()
        sheet.title = name
        first = False
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def serial_list(n: int, prefix: str = "SN", header: str = "Serial") -> bytes:
    return ("\n".join([header] + [f"{prefix}{i:07d}" for i in range(n)]) + "\n").encode()
