"""The portal's message catalogues: every message a page or view can show has a translation in each language, with
the same placeholders, in the catalogue of its page kind."""

from __future__ import annotations

import re

from babel.messages.pofile import read_po
from portal.catalogs import LOCALES, extract, missing, po_path
from portal.i18n import DOMAINS

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def test_every_message_has_a_translation_in_every_language():
    assert missing() == {}


def test_translations_keep_the_placeholders_of_their_message():
    wrong = []
    for locale in LOCALES:
        for domain in DOMAINS:
            path = po_path(locale, domain)
            if not path.exists():
                continue
            with path.open("rb") as f:
                for message in read_po(f):
                    if message.id and message.string:
                        if set(PLACEHOLDER.findall(str(message.id))) != set(PLACEHOLDER.findall(str(message.string))):
                            wrong.append((locale, domain, message.id, message.string))
    assert wrong == []


def test_each_page_kind_writes_its_messages_in_its_own_catalogue():
    used = extract()
    assert set(used) == set(DOMAINS)
    assert all(used[domain] for domain in DOMAINS), {d: len(m) for d, m in used.items()}


def test_karakalpak_pages_say_session_with_the_word_the_shared_vocabulary_uses():
    # shınıǵıw (as qadam_words' programme descriptions and reports say it), never sabaq (a school lesson)
    found = []
    for locale, other in (("kaa_Latn", "sabaq"), ("kaa_Cyrl", "сабақ")):
        for domain in DOMAINS:
            path = po_path(locale, domain)
            with path.open("rb") as f:
                found += [(locale, domain, str(m.id)) for m in read_po(f) if m.id and other in str(m.string).lower()]
    assert found == []
