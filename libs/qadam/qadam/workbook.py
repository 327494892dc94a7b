"""Excel workbooks (.xlsx) of plain tables, written straight as their XML: text, numbers and empty cells, bold rows,
percentage columns, column widths and frozen headings. Nothing else (no formulas, dates or merged cells).

    xlsx([Sheet("Completion", rows, widths=[30, 12], frozen=(1, 1), bold_rows={0}, percent_columns={3})])

A library that builds an object for every cell (openpyxl, even in its write-only mode; XlsxWriter) spent 2-3 s on a
report of 300,000 cells (a row per cohort of the country); written as text it takes a tenth of that. Text is always
text, never a formula, however it begins (a name people typed may begin with "="); the characters XML cannot hold are
written as Excel writes them (`_x0001_`).
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape, quoteattr

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# cell styles, as cellXfs in styles.xml: plain, bold, percentage (0.0%), bold percentage
PLAIN, BOLD, PERCENT, BOLD_PERCENT = 0, 1, 2, 3
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass
class Sheet:
    """One sheet: its rows (each a sequence of str, int, float or None), the width of its first columns (in
    characters), how many rows and columns stay in view as it scrolls, its bold rows and its percentage columns
    (indexes from 0; a percentage column's text, its heading, is not formatted so)."""

    name: str
    rows: Sequence[Sequence[Any]]
    widths: Sequence[float] = ()
    frozen: tuple[int, int] | None = None
    bold_rows: set[int] = field(default_factory=set)
    percent_columns: set[int] = field(default_factory=set)


def xlsx(sheets: Iterable[Sheet]) -> bytes:
    """The workbook of `sheets`, in their order."""
    sheets = list(sheets)
    buffer = io.BytesIO()
    # a low level of compression: most of the time went into it at the default (a third of the file's size either way)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as book:
        book.writestr("[Content_Types].xml", _content_types(len(sheets)))
        book.writestr("_rels/.rels", HEAD + f'<Relationships xmlns="{PACKAGE}"><Relationship Id="rId1" Type="'
                      f'{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        book.writestr("xl/workbook.xml", _workbook(sheets))
        book.writestr("xl/_rels/workbook.xml.rels", _workbook_relationships(len(sheets)))
        book.writestr("xl/styles.xml", STYLES)
        for number, sheet in enumerate(sheets, start=1):
            book.writestr(f"xl/worksheets/sheet{number}.xml", _sheet(sheet))
    return buffer.getvalue()


def column_name(index: int) -> str:
    """A column's letters from its index (0: A, 25: Z, 26: AA)."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _text(value: str) -> str:
    return escape(_NOT_IN_XML.sub(lambda m: f"_x{ord(m.group()):04X}_", value))


def _sheet(sheet: Sheet) -> str:
    width = max((len(row) for row in sheet.rows), default=0)
    columns = [column_name(i) for i in range(width)]
    parts = [HEAD, f'<worksheet xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">']
    if sheet.frozen and any(sheet.frozen):
        down, across = sheet.frozen
        corner = f"{column_name(across)}{down + 1}"
        split = (f' xSplit="{across}"' if across else "") + (f' ySplit="{down}"' if down else "")
        pane = "bottomRight" if down and across else "bottomLeft" if down else "topRight"
        parts.append(f'<sheetViews><sheetView workbookViewId="0"><pane{split} topLeftCell="{corner}" '
                     f'activePane="{pane}" state="frozen"/><selection pane="{pane}" activeCell="{corner}" '
                     f'sqref="{corner}"/></sheetView></sheetViews>')
    parts.append('<sheetFormatPr defaultRowHeight="15"/>')
    if sheet.widths:
        parts.append("<cols>" + "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
                                        for i, w in enumerate(sheet.widths, start=1)) + "</cols>")
    parts.append("<sheetData>")
    percent = sheet.percent_columns
    for index, cells in enumerate(sheet.rows):
        row = index + 1
        bold = index in sheet.bold_rows
        parts.append(f'<row r="{row}">')
        for column, value in enumerate(cells):
            # a percentage column's numbers and empty cells are formatted so, not its text (its heading)
            style = (BOLD_PERCENT if bold else PERCENT) if column in percent and not isinstance(value, str) \
                else BOLD if bold else PLAIN
            where = f'r="{columns[column]}{row}"' + (f' s="{style}"' if style else "")
            if value is None:
                if style:  # an empty cell is written only to carry its style
                    parts.append(f"<c {where}/>")
            elif isinstance(value, str):
                parts.append(f'<c {where} t="inlineStr"><is><t xml:space="preserve">{_text(value)}</t></is></c>')
            elif isinstance(value, int | float) and not isinstance(value, bool):
                if not math.isfinite(value):
                    raise ValueError(f"a cell cannot hold {value!r} ({columns[column]}{row})")
                parts.append(f"<c {where}><v>{value!r}</v></c>")
            else:
                raise TypeError(f"a cell holds text or a number, not {type(value).__name__} ({columns[column]}{row})")
        parts.append("</row>")
    parts.append("</sheetData></worksheet>")
    return "".join(parts)


def _content_types(sheets: int) -> str:
    kinds = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    return (HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{kinds}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{kinds}.styles+xml"/>'
            + "".join(f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{kinds}.worksheet+xml"/>'
                      for n in range(1, sheets + 1)) + "</Types>")


def _workbook(sheets: list[Sheet]) -> str:
    return (HEAD + f'<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><sheets>'
            + "".join(f'<sheet name={quoteattr(_NOT_IN_XML.sub("", s.name))} sheetId="{n}" r:id="rId{n}"/>'
                      for n, s in enumerate(sheets, start=1)) + "</sheets></workbook>")


def _workbook_relationships(sheets: int) -> str:
    return (HEAD + f'<Relationships xmlns="{PACKAGE}">'
            + "".join(f'<Relationship Id="rId{n}" Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet{n}.xml"/>'
                      for n in range(1, sheets + 1))
            + f'<Relationship Id="rId{sheets + 1}" Type="{RELATIONSHIPS}/styles" Target="styles.xml"/>'
            "</Relationships>")


STYLES = (HEAD + f'<styleSheet xmlns="{MAIN}">'
          '<numFmts count="1"><numFmt numFmtId="164" formatCode="0.0%"/></numFmts>'
          '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
          '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
          '<fills count="2"><fill><patternFill patternType="none"/></fill>'
          '<fill><patternFill patternType="gray125"/></fill></fills>'
          '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
          '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
          '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
          '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
          '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
          '<xf numFmtId="164" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyNumberFormat="1"/>'
          '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
          '</styleSheet>')
