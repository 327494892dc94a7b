"""Papers as PDF: HTML rendered on A4 by WeasyPrint, the SHA-256 of the file, and a short check code for a printed copy.

    from qadam import documents
    pdf = documents.render_pdf(html)                     # bytes of an A4 PDF (fonts: the system's DejaVu)
    digest = documents.sha256_of(pdf)                    # kept with the document: a copy's bytes are compared to it
    code = documents.check_code(key, number="QD-2026-000123", issued_at=at, content=facts)   # "7K3M-Q9TX"
    documents.same_code(typed, code)                     # a code as a person types it (o for 0, lower case, no dash)

How a copy is checked, honestly: a page cannot carry the hash of the file it is in (printing the hash changes the
file). So two things are kept with each document, and each checks one kind of copy:
- the SHA-256 of the PDF's bytes: a copy sent as a file is genuine when its bytes hash to it (one byte changed, and
  it is not);
- the check code printed on every page: an HMAC-SHA-256, under a key only the issuing service holds, over the
  document's number, its issue time and the SHA-256 of its content fields (the figures and words it states, as
  canonical JSON: `content_digest`), cut to 40 bits and written as 8 Crockford base-32 characters. A printed copy
  is checked by its number and this code: the service looks the number up and compares the code it kept (and can
  recompute it from the kept fields, which shows the kept row was not altered). The code does not prove the paper's
  text: a reader compares the paper with what the service says the document is (its kind, date, whom it is about),
  and with the file itself where it matters.

Over the content's digest rather than the content itself: a document whose content is purged when the retention
period of the man it names is over keeps the digest (no personal fact in it), and its printed copies still check.
Forty bits: one guess in about a trillion matches a given number's code; a service that answers checks may also
limit how often it is asked.

A page marks its number and its check code with the classes `document-number` and `check-code`: A4_CSS repeats them
at the foot of every page, beside the page's number.

WeasyPrint is imported when a document is first rendered: a process that never renders one (a worker) does not load
it and its system libraries (Pango, HarfBuzz).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

# Crockford's base 32: digits and letters without I, L, O and U (read as 1, 1, 0 and nothing), so a code read off
# paper and typed back is hard to get wrong.
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_TYPED_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
CHECK_CODE_LENGTH = 8  # characters: 40 bits

# A4, with room for a binding edge and a footer that numbers the pages; DejaVu covers Uzbek Latin (ʻ ʼ), Cyrillic
# and Karakalpak (Ǵ Ń Ú Í ı), and Debian installs it with WeasyPrint's own dependencies.
A4_CSS = """
@page {
  size: A4;
  margin: 18mm 16mm 22mm 22mm;
  @bottom-left { content: string(document-number); font-size: 8pt; color: #444; }
  @bottom-center { content: string(check-code); font-size: 8pt; color: #444; }
  @bottom-right { content: counter(page) " / " counter(pages); font-size: 8pt; color: #444; }
}
html { font-family: "DejaVu Sans", sans-serif; font-size: 10pt; line-height: 1.4; color: #000; }
h1 { font-size: 14pt; margin: 6mm 0 3mm; }
h2 { font-size: 11pt; margin: 5mm 0 2mm; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 0.4pt solid #666; padding: 1.5mm 2mm; text-align: left; vertical-align: top; }
.document-number { string-set: document-number content(); }
.check-code { string-set: check-code content(); }
"""


def render_pdf(html: str, *, css: str = A4_CSS, base_url: str | None = None) -> bytes:
    """The HTML as an A4 PDF (`css` on top of the page's own styles)."""
    from weasyprint import CSS, HTML  # loaded on first use (see the module's docstring)

    return bytes(HTML(string=html, base_url=base_url).write_pdf(stylesheets=[CSS(string=css)]))


def sha256_of(content: bytes) -> str:
    """The SHA-256 of a file's bytes, as 64 hexadecimal digits."""
    return hashlib.sha256(content).hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain).encode()


def content_digest(content: Mapping[str, Any]) -> str:
    """The SHA-256 of a document's content fields as canonical JSON (keys sorted, times in UTC), 64 hex digits."""
    return hashlib.sha256(_json(content)).hexdigest()


def check_code(key: bytes, *, number: str, issued_at: datetime, content: Mapping[str, Any] | None = None,
               digest: str | None = None) -> str:
    """The document's check code (see the module's docstring): 8 Crockford base-32 characters, shown as two groups
    of four (`7K3M-Q9TX`). Of its `content`, or of the content's `digest` once the content is gone."""
    if digest is None:
        if content is None:
            raise TypeError("check_code needs the content or its digest")
        digest = content_digest(content)
    signed = _json({"number": number, "issued_at": issued_at.astimezone(UTC).isoformat(), "content_sha256": digest})
    bits = int.from_bytes(hmac.new(key, signed, hashlib.sha256).digest()[:5], "big")
    code = "".join(CROCKFORD[(bits >> shift) & 31] for shift in range(35, -1, -5))
    return f"{code[:4]}-{code[4:]}"


def normalised_code(typed: str) -> str:
    """A check code as a person may type it (lower case, spaces or dashes, O for 0, I or L for 1) in its shown form;
    text that cannot be a code comes back as it was, upper-cased, and matches none."""
    plain = "".join(typed.split()).replace("-", "").upper().translate(_TYPED_AS)
    if len(plain) != CHECK_CODE_LENGTH or any(c not in CROCKFORD for c in plain):
        return plain
    return f"{plain[:4]}-{plain[4:]}"


def same_code(typed: str, kept: str) -> bool:
    """Whether a typed code is the kept one (compared in constant time)."""
    return hmac.compare_digest(normalised_code(typed).encode(), kept.encode())


def code_matches(keys: list[bytes], kept: str, *, number: str, issued_at: datetime,
                 content: Mapping[str, Any] | None = None, digest: str | None = None) -> bool:
    """Whether the kept code is the one one of `keys` (newest first: a key rotated since still counts) gives the kept
    number, time and content (or the content's digest): the kept row is as it was issued."""
    return any(hmac.compare_digest(check_code(k, number=number, issued_at=issued_at, content=content, digest=digest),
                                   kept) for k in keys)
