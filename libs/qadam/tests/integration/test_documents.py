"""The kit renders HTML as an A4 PDF whose text reads back with the letters of every language Qadam writes:
Uzbek Latin ʻ and ʼ, Cyrillic, Karakalpak Ǵ Ń Ú Í ı (Debian's DejaVu fonts)."""

from __future__ import annotations

import io

from pypdf import PdfReader
from qadam import documents

LINES = ("Oʻzbekiston Respublikasi, maʼlumot", "Ўзбекистон Республикаси, Қорақалпоғистон",
         "Ǵárezsiz Ńókis, Úsh Íshki ısı", "ǵ ń ú í ı á ó — № QD-2026-000123")


def test_a_pdf_on_a4_reads_back_with_every_letter_qadam_writes():
    html = ("<!DOCTYPE html><html><body><p class='document-number'>QD-2026-000123</p>"
            + "".join(f"<p>{line}</p>" for line in LINES) + "</body></html>")
    pdf = documents.render_pdf(html)
    assert pdf.startswith(b"%PDF-")
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    text = page.extract_text()
    for line in LINES:
        assert line in text, (line, text)
