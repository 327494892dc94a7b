"""The translation catalogues: which messages the pages use, and which catalogue holds each.

    python -m portal.catalogs update [domain]    # add new messages to the .po files (empty), drop unused ones
    python -m portal.catalogs cyrillic [domain]  # write Uzbek and Karakalpak in Cyrillic script from their Latin ones
    python -m portal.catalogs check     # list what a language still lacks (exit 1 if anything)

A message belongs to the domain of the file it is written in: `templates/<domain>/` and `views/<domain>.py` (or
`views/<domain>_<part>.py`) for the four kinds of user, `messages` for everything else (the layout, sign-in,
errors). Uzbek and Karakalpak Cyrillic are not translated by hand: each is its Latin text in the other script
(`CYRILLIC`: the language's Latin catalogue and its conversion), so the two never drift.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

from . import karakalpak_cyrillic, uzbek_cyrillic
from .i18n import DOMAINS, TRANSLATIONS

ROOT = Path(__file__).parent
HAND_TRANSLATED = ("uz_Latn", "ru", "kaa_Latn")
# each Cyrillic catalogue: the Latin one it is made from, and how
CYRILLIC: dict[str, tuple[str, Callable[[str], str]]] = {
    "uz_Cyrl": ("uz_Latn", uzbek_cyrillic.to_cyrillic),
    "kaa_Cyrl": ("kaa_Latn", karakalpak_cyrillic.to_cyrillic),
}
LOCALES = (*HAND_TRANSLATED, *CYRILLIC)
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None, "lookup": None}


def domain_of(path: Path) -> str:
    rel = path.relative_to(ROOT)
    parts = rel.parts
    if parts[0] == "templates" and len(parts) > 2 and parts[1] in DOMAINS:
        return parts[1]
    if parts[0] == "views" and rel.stem.split("_")[0] in DOMAINS:  # views/psychologist_casework.py too
        return rel.stem.split("_")[0]
    return "messages"


def _sources() -> Iterable[tuple[Path, str]]:
    for path in sorted(ROOT.glob("templates/**/*.html")):
        yield path, "jinja2.ext:babel_extract"
    for path in sorted(ROOT.glob("**/*.py")):
        if "migrations" not in path.parts and path.name != "catalogs.py":
            yield path, "python"


def extract() -> dict[str, dict[str, list[str]]]:
    """{domain: {msgid: [where it is used]}}"""
    found: dict[str, dict[str, list[str]]] = {d: {} for d in DOMAINS}
    for path, method in _sources():
        options = {"extensions": "jinja2.ext.i18n"} if method.startswith("jinja2") else {}
        for lineno, message, _comments, _context in extract_from_file(method, str(path), keywords=KEYWORDS,
                                                                       options=options):
            msgid = message[0] if isinstance(message, tuple) else message
            if msgid:
                found[domain_of(path)].setdefault(msgid, []).append(f"{path.relative_to(ROOT)}:{lineno}")
    return found


def po_path(locale: str, domain: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / f"{domain}.po"


def read(locale: str, domain: str) -> Catalog:
    path = po_path(locale, domain)
    if not path.exists():
        return Catalog(locale=locale, domain=domain)
    with path.open("rb") as f:
        return read_po(f, locale=locale, domain=domain)


def write(catalog: Catalog, locale: str, domain: str) -> None:
    path = po_path(locale, domain)
    path.parent.mkdir(parents=True, exist_ok=True)
    catalog.project, catalog.version = "Qadam portal", "1"
    catalog.copyright_holder = ""
    catalog.msgid_bugs_address = ""
    with path.open("wb") as f:
        write_po(f, catalog, width=120, omit_header=False, sort_output=True, ignore_obsolete=True,
                 include_previous=False)


def update(only: str | None = None) -> None:
    used = extract()
    for domain, messages in used.items():
        if only and domain != only:
            continue
        for locale in HAND_TRANSLATED:
            old = read(locale, domain)
            new = Catalog(locale=locale, domain=domain)
            for msgid, places in messages.items():
                held = old.get(msgid)
                new.add(msgid, held.string if held is not None else "",
                        locations=[(p.split(":")[0], int(p.split(":")[1])) for p in places[:3]])
            write(new, locale, domain)
    cyrillic(only)


def missing() -> dict[str, list[str]]:
    """{locale: [msgid, ...]} of messages used by a page that a language's catalogues lack."""
    used = extract()
    out: dict[str, list[str]] = {}
    for locale in LOCALES:
        held: dict[str, str] = {}
        for domain in DOMAINS:
            for m in read(locale, domain):
                if m.id and m.string:
                    held[str(m.id)] = str(m.string)
        lacking = sorted({msgid for messages in used.values() for msgid in messages if not held.get(msgid)})
        if lacking:
            out[locale] = lacking
    return out


def cyrillic(only: str | None = None) -> None:
    for domain in DOMAINS:
        if only and domain != only:
            continue
        for locale, (latin_locale, to_cyrillic) in CYRILLIC.items():
            latin = read(latin_locale, domain)
            catalog = Catalog(locale=locale, domain=domain)
            for m in latin:
                if m.id:
                    catalog.add(m.id, to_cyrillic(str(m.string)) if m.string else "", locations=m.locations)
            write(catalog, locale, domain)


def main(argv: list[str] | None = None) -> int:
    args = argv or sys.argv[1:] or ["check"]
    command, only = args[0], (args[1] if len(args) > 1 else None)  # e.g. `update inspector`: that domain only
    if command == "update":
        update(only)
    elif command == "cyrillic":
        cyrillic(only)
    lacking = missing()
    for locale, messages in lacking.items():
        print(f"{locale}: {len(messages)} missing")
        for msgid in messages[:50]:
            print(f"   {msgid}")
    return 1 if lacking and command == "check" else 0


if __name__ == "__main__":
    raise SystemExit(main())
