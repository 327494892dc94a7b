"""The catalogues' two commands:

    python -m qadam_words check [--root DIR]            list each id a language has no words for; exit 1 if any
    python -m qadam_words update DOMAIN SOURCE_DIR...   the domain's ids from its service's code (`N_("…")`,
                                                        `gettext("…")`, and with a context `NP_("ctx", "…")`,
                                                        `pgettext`), into its .pot and every language's .po
                                                        (new ones empty, unused ones dropped)

After `update`, translate the new ids in each .po, and write Uzbek Cyrillic as the Uzbek Latin text converted by
the portal's `portal.uzbek_cyrillic.to_cyrillic` (the words' unit tests say which entry differs).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir

from .catalogs import TRANSLATIONS, locale_name, missing, po_path, read, template_path, translated_languages, write

KEYWORDS: dict[str, Any] = {"N_": None, "gettext": None, "_": None, "NP_": ((1, "c"), 2), "pgettext": ((1, "c"), 2)}


def update(domain: str, sources: list[Path], root: Path = TRANSLATIONS) -> None:
    template = Catalog(domain=domain)
    for source in sources:
        for filename, lineno, msgid, _comments, context in extract_from_dir(
                str(source), method_map=[("**.py", "python")], keywords=KEYWORDS):
            if isinstance(msgid, str) and msgid:
                template.add(msgid, locations=[(f"{source.name}/{filename}", lineno)], context=context or None)
    write(template, template_path(domain, root))
    for language in translated_languages():
        old = read(po_path(language, domain, root), locale=locale_name(language), domain=domain)
        new = Catalog(locale=locale_name(language), domain=domain)
        for message in template:
            if message.id:
                held = old.get(message.id, context=message.context)
                new.add(message.id, held.string if held is not None else "", locations=message.locations,
                        context=message.context)
        write(new, po_path(language, domain, root))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qadam_words")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="list the ids a language has no words for (exit 1 if any)")
    check.add_argument("--root", type=Path, default=TRANSLATIONS)
    updating = commands.add_parser("update", help="a domain's ids from its code into its catalogues")
    updating.add_argument("domain")
    updating.add_argument("sources", nargs="+", type=Path)
    updating.add_argument("--root", type=Path, default=TRANSLATIONS)
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])
    if args.command == "update":
        update(args.domain, args.sources, args.root)
    lacking = missing(args.root)
    for language, messages in lacking.items():
        print(f"{language}: {len(messages)} without a translation")
        for message in messages:
            print(f"   {message}")
    if not lacking:
        print("every message has its words in every language")
    return 1 if lacking and args.command == "check" else 0


if __name__ == "__main__":
    raise SystemExit(main())
