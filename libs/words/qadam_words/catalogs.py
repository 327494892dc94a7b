"""Where the catalogues live and how they are read: one gettext domain per service that owns the words, a `.pot`
template of its message ids, and one `.po` per language beside it, compiled to `.mo` on first use.

    translations/enrollment.pot                      the ids (English), written by `python -m qadam_words update`
    translations/<locale>/LC_MESSAGES/enrollment.po  a language's words (uz_Latn, uz_Cyrl, ru, kaa_Latn, kaa_Cyrl)

English is the source language: its words are the ids, so it has no catalogue.
"""

from __future__ import annotations

import gettext
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from qadam_contracts.vocabulary import LANGUAGES

TRANSLATIONS = Path(__file__).parent / "translations"
SOURCE_LANGUAGE = "en"
# CLDR's bare `kaa` is Karakalpak in Cyrillic script; Qadam's `kaa` is the Latin script Karakalpakstan writes today.
LOCALE_NAMES = {"kaa": "kaa_Latn"}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
CONTEXT_SEPARATOR = "\x04"  # gettext's: a message with a context (msgctxt) is keyed "context\x04id"


def locale_name(language: str) -> str:
    """The catalogue's (and Babel's) locale for one of the contracts' LANGUAGES: `uz-Cyrl` → `uz_Cyrl`."""
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")
    return LOCALE_NAMES.get(language, language.replace("-", "_"))


def translated_languages() -> tuple[str, ...]:
    """The languages that need a catalogue: every one of the contracts' LANGUAGES but English."""
    return tuple(language for language in LANGUAGES if language != SOURCE_LANGUAGE)


def domains(root: Path = TRANSLATIONS) -> list[str]:
    """The domains a catalogue is kept for (one `.pot` each)."""
    return sorted(pot.stem for pot in root.glob("*.pot"))


def template_path(domain: str, root: Path = TRANSLATIONS) -> Path:
    return root / f"{domain}.pot"


def po_path(language: str, domain: str, root: Path = TRANSLATIONS) -> Path:
    return root / locale_name(language) / "LC_MESSAGES" / f"{domain}.po"


def read(path: Path, *, locale: str | None = None, domain: str | None = None) -> Catalog:
    """A `.po` or `.pot` file as a catalogue (an empty one where there is no file)."""
    if not path.exists():
        return Catalog(locale=locale, domain=domain)
    with path.open("rb") as source:
        return read_po(source, locale=locale, domain=domain)


def write(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    catalog.project, catalog.version = "Qadam", "1"
    catalog.copyright_holder = ""
    catalog.msgid_bugs_address = ""
    with path.open("wb") as out:
        write_po(out, catalog, width=120, sort_output=True, ignore_obsolete=True, include_previous=False)


def compile_catalogs(root: Path = TRANSLATIONS, *, not_written: Callable[[Path, OSError], None] | None = None) -> int:
    """Write each `.mo` next to its `.po` where it is missing or older; returns how many were written.

    Where one cannot be written (a read-only install), `not_written` is told and it is skipped (here `translations`
    reads the `.po` itself). Any gettext catalogues laid out so can be compiled with it (the portal's pages' too)."""
    written = 0
    for po in sorted(root.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        tmp = mo.with_suffix(f".mo.{os.getpid()}.tmp")  # two test workers may compile the same one at once
        try:
            catalog = read(po, locale=po.parent.parent.name)
            with tmp.open("wb") as out:
                write_mo(out, catalog, use_fuzzy=False)
            tmp.replace(mo)
        except OSError as exc:
            if not_written is not None:
                not_written(po, exc)
            try:
                tmp.unlink(missing_ok=True)
            except OSError:
                pass
            continue
        written += 1
    return written


def translations(language: str, domain: str, root: Path = TRANSLATIONS) -> dict[str, str]:
    """{English id: the language's words} of one domain (empty for English, the source language)."""
    if language == SOURCE_LANGUAGE:
        return {}
    po = po_path(language, domain, root)
    mo = po.with_suffix(".mo")
    if po.exists() and (not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime):
        compile_catalogs(root)
    if po.exists() and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as source:
            compiled = gettext.GNUTranslations(source)
        return {str(k): str(v) for k, v in getattr(compiled, "_catalog", {}).items() if isinstance(k, str) and k}
    return {key(m): str(m.string) for m in read(po, locale=locale_name(language)) if _usable(m.id, m.string, m.fuzzy)}


def key(message: Message) -> str:
    """A message's key in a catalogue read into a dict: its id, after its context where it has one (as gettext
    keys a compiled catalogue)."""
    return f"{message.context}{CONTEXT_SEPARATOR}{message.id}" if message.context else str(message.id)


def shown(message_key: str) -> str:
    """A key as the check lists it: `id (context)`."""
    context, separator, msgid = message_key.partition(CONTEXT_SEPARATOR)
    return f"{msgid} ({context})" if separator else message_key


def _usable(msgid: object, string: object, fuzzy: bool) -> bool:
    return isinstance(msgid, str) and bool(msgid) and isinstance(string, str) and bool(string) and not fuzzy


def message_ids(domain: str, root: Path = TRANSLATIONS) -> list[str]:
    """The ids of a domain's template (an id with a context keyed as `key` writes it)."""
    return sorted(key(m) for m in read(template_path(domain, root), domain=domain) if m.id)


def missing(root: Path = TRANSLATIONS, languages: Iterable[str] | None = None) -> dict[str, list[str]]:
    """{language: ["domain: id", ...]} of the template's ids a language has no words for (no catalogue, an empty
    or fuzzy entry), or whose words lose or invent a placeholder (`%(n)s`)."""
    out: dict[str, list[str]] = {}
    for language in languages if languages is not None else translated_languages():
        lacking: list[str] = []
        for domain in domains(root):
            held = {key(m): m for m in read(po_path(language, domain, root), locale=locale_name(language)) if m.id}
            for msgid in message_ids(domain, root):
                entry = held.get(msgid)
                if entry is None or not _usable(entry.id, entry.string, entry.fuzzy):
                    lacking.append(f"{domain}: {shown(msgid)}")
                elif set(PLACEHOLDER.findall(msgid)) != set(PLACEHOLDER.findall(str(entry.string))):
                    lacking.append(f"{domain}: {shown(msgid)} (its placeholders differ: {entry.string})")
        if lacking:
            out[language] = lacking
    return out
