"""Karakalpak Latin (2016) written in Cyrillic: words checked against their accepted Cyrillic spellings (CLDR's
Karakalpak weekdays and months, the Cyrillic Karakalpak of official texts), and the portal's Karakalpak Cyrillic
catalogues as the conversion makes them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from babel import Locale
from babel.messages.pofile import read_po
from portal.catalogs import po_path, read
from portal.i18n import DOMAINS
from portal.karakalpak_cyrillic import EXCEPTIONS, to_cyrillic
from qadam_testing import module_at

LETTERS = [  # Karakalpak's own letters: á ә, ó ө, ú ү, ı ы, ǵ ғ, ń ң, w ў, q қ, h ҳ, x х, j ж
    ("ádil", "әдил"), ("hám", "ҳәм"), ("házir", "ҳәзир"), ("járdem", "жәрдем"), ("dáreje", "дәреже"),
    ("máhálle", "мәҳәлле"), ("wálayat", "ўәлаят"), ("sáne", "сәне"), ("ómir", "өмир"), ("óz", "өз"),
    ("Ózbekstan", "Өзбекстан"), ("Nókis", "Нөкис"), ("kóp", "көп"), ("tómen", "төмен"), ("sóz", "сөз"),
    ("kún", "күн"), ("úy", "үй"), ("júdá", "жүдә"), ("múddet", "мүддет"), ("múmkin", "мүмкин"), ("úlken", "үлкен"),
    ("qızıl", "қызыл"), ("jıl", "жыл"), ("tınısh", "тыныш"), ("sırtqa", "сыртқа"), ("ǵárezli", "ғәрезли"),
    ("baǵdarlama", "бағдарлама"), ("maǵlıwmat", "мағлыўмат"), ("jaǵday", "жағдай"), ("qorǵaw", "қорғаў"),
    ("jańa", "жаңа"), ("eń", "ең"), ("seniń", "сениң"), ("qońıraw", "қоңыраў"), ("sońǵı", "соңғы"),
    ("waqıt", "ўақыт"), ("juwap", "жуўап"), ("quwatlaw", "қуўатлаў"), ("sáwbet", "сәўбет"), ("awır", "аўыр"),
    ("qáwip", "қәўип"), ("qáwipsizlik", "қәўипсизлик"), ("aymaq", "аймақ"), ("qala", "қала"), ("haqqında", "ҳаққында"),
    ("hayal", "ҳаял"), ("hádiyse", "ҳәдийсе"), ("hesh", "ҳеш"), ("xabar", "хабар"), ("xızmet", "хызмет"),
    ("xızmetker", "хызметкер"), ("xalıqaralıq", "халықаралық"), ("jol", "жол"), ("joq", "жоқ"), ("jeke", "жеке"),
    ("shańaraq", "шаңарақ"), ("shıǵıw", "шығыў"), ("sheshim", "шешим"), ("ushın", "ушын"), ("ishinde", "ишинде"),
    ("basshı", "басшы"), ("ortasha", "орташа"), ("chat", "чат"), ("qatnasıwshı", "қатнасыўшы"),
    ("jábirleniwshi", "жәбирлениўши"), ("tastıyıqlaw", "тастыйықлаў"), ("haqıyqıy", "ҳақыйқый"), ("qıyın", "қыйын"),
    ("tiyisli", "тийисли"), ("tiykar", "тийкар"), ("biykar", "бийкар"), ("nátiyje", "нәтийже"), ("tariyx", "тарийх"),
    ("májbúriy", "мәжбүрий"), ("qaǵıyda", "қағыйда"), ("jıynaw", "жыйнаў"), ("jiyi", "жийи"), ("dúzetiw", "дүзетиў"),
    ("kórsetkish", "көрсеткиш"), ("zorlıq", "зорлық"), ("Qaraqalpaqstan", "Қарақалпақстан"),
    ("Qaraqalpaqsha", "Қарақалпақша"), ("qaraqalpaq", "қарақалпақ"), ("inglis", "инглис"),
]
Y_VOWELS = [  # y before a, o, u: я, ё, ю at a word's start and after a vowel; й otherwise
    ("yamasa", "ямаса"), ("yaki", "яки"), ("yaq", "яқ"), ("yarım", "ярым"), ("yaǵnıy", "яғный"), ("qayaqqa", "қаяққа"),
    ("qupıya", "қупыя"), ("uyashıq", "уяшық"), ("qoyadı", "қояды"), ("bayan", "баян"), ("ayaq", "аяқ"),
    ("qayta", "қайта"), ("qaysı", "қайсы"), ("jay", "жай"), ("say", "сай"), ("sáykes", "сәйкес"), ("tayın", "тайын"),
    ("keyin", "кейин"), ("dúyshembi", "дүйшемби"), ("qoyıldı", "қойылды"), ("ayıplaydı", "айыплайды"),
    ("paydalanıw", "пайдаланыў"), ("baylanıs", "байланыс"), ("qayerde", "қаерде"),
]
E = [  # a native word writes е at its start; э is a loanword's, and follows a vowel
    ("eki", "еки"), ("ekinshi", "екинши"), ("erkek", "еркек"), ("eger", "егер"), ("emes", "емес"), ("endi", "енди"),
    ("eski", "ески"), ("el", "ел"), ("edi", "еди"), ("eskertiw", "ескертиў"), ("esap", "есап"), ("etedi", "етеди"),
    ("ekshembi", "екшемби"), ("elektron", "электрон"), ("ekran", "экран"), ("ekspert", "эксперт"),
    ("poeziya", "поэзия"), ("aeroport", "аэропорт"), ("kerek", "керек"), ("telefon", "телефон"), ("reje", "реже"),
]
WEEK_AND_YEAR = [  # as CLDR's Karakalpak (kaa_Cyrl) writes them
    ("dúyshembi", "дүйшемби"), ("siyshembi", "сийшемби"), ("sárshembi", "сәршемби"), ("piyshembi", "пийшемби"),
    ("juma", "жума"), ("shembi", "шемби"), ("yanvar", "январь"), ("fevral", "февраль"), ("mart", "март"),
    ("aprel", "апрель"), ("may", "май"), ("iyun", "июнь"), ("iyul", "июль"), ("avgust", "август"),
    ("sentyabr", "сентябрь"), ("oktyabr", "октябрь"), ("noyabr", "ноябрь"), ("dekabr", "декабрь"),
]
LOANWORDS = [  # Russian spelling kept: by rule where the Latin keeps it (c ц), from EXCEPTIONS where it does not
    ("policiya", "полиция"), ("prokuratura", "прокуратура"), ("inspektor", "инспектор"), ("programma", "программа"),
    ("profilaktika", "профилактика"), ("psixolog", "психолог"), ("psixikalıq", "психикалық"),
    ("identifikaciya", "идентификация"), ("medicinalıq", "медициналық"), ("procent", "процент"),
    ("procentil", "процентиль"), ("administrator", "администратор"), ("respublika", "республика"),
    ("sistema", "система"), ("versiya", "версия"), ("menedjer", "менеджер"), ("menejer", "менеджер"),
    ("brauzer", "браузер"), ("diagramma", "диаграмма"), ("jurnal", "журнал"), ("rayon", "район"),
    ("rayonında", "районында"), ("parol", "пароль"), ("paroldi", "парольди"), ("paroli", "пароли"),
    ("rol", "роль"), ("roli", "роли"), ("modul", "модуль"), ("paneli", "панели"), ("filtrler", "фильтрлер"),
    ("menyu", "меню"), ("kompyuter", "компьютер"), ("obyekt", "объект"), ("narkotik", "наркотик"), ("sud", "суд"),
    ("pochta", "почта"), ("minut", "минут"), ("nomer", "номер"), ("order", "ордер"), ("seans", "сеанс"),
    ("faktor", "фактор"), ("audit", "аудит"), ("forma", "форма"), ("tekst", "текст"), ("portal", "портал"),
]
KEPT = [  # placeholders, markup, addresses, codes and names of products stay as written
    ("%(n)s kún", "%(n)s күн"), ("{participant_code} boyınsha", "{participant_code} бойынша"),
    ("<strong>Eskertiw</strong>", "<strong>Ескертиў</strong>"), ("name@example.uz", "name@example.uz"),
    ("SMS, e-mail, Telegram", "SMS, e-mail, Telegram"), ("Excel (XLSX)", "Excel (XLSX)"),
    ("Gilttiń QR kodı", "Гилттиң QR коды"), ("SMSler", "SMSлер"), ("PINFL", "ПИНФЛ"), ("Qadam sisteması", "Qadam системасы"),
    ("1 den 500 ge shekem", "1 ден 500 ге шекем"), ("https://qadam.uz/a?b=1", "https://qadam.uz/a?b=1"),
    ("Google Authenticator, FreeOTP", "Google Authenticator, FreeOTP"), ("100%%", "100%%"),
]
CASE = [("Hayal", "Ҳаял"), ("Shańaraq", "Шаңарақ"), ("Íqtıyar", "Ықтыяр"), ("Ǵárezsiz", "Ғәрезсиз"),
        ("Yamasa", "Ямаса"), ("Chat", "Чат")]
PLACES = [  # the places catalogue's (qadam_words.places): a river's name keeps я after its r (Әмиўдәрья)
    ("Ámiwdárya", "Әмиўдәрья"), ("Qashqadárya wálayatı", "Қашқадәрья ўәлаяты"), ("Sırdárya", "Сырдәрья"),
    ("Surxandárya wálayatı", "Сурхандәрья ўәлаяты"), ("Qaraqalpaqstan Respublikası", "Қарақалпақстан Республикасы"),
    ("Úrgenish", "Үргениш"), ("Xiywa", "Хийўа"), ("Shımbay", "Шымбай"), ("Tashkent qalası", "Ташкент қаласы"),
]
WORDS = LETTERS + Y_VOWELS + E + WEEK_AND_YEAR + LOANWORDS + PLACES


def test_at_least_150_words_are_checked():
    assert len({latin for latin, _cyrillic in WORDS}) >= 150


@pytest.mark.parametrize(("latin", "cyrillic"), WORDS + KEPT + CASE)
def test_karakalpak_latin_reads_as_its_accepted_cyrillic(latin: str, cyrillic: str):
    assert to_cyrillic(latin) == cyrillic


def test_weekdays_and_months_are_cldrs_karakalpak_ones():
    """What CLDR writes for Karakalpak in Cyrillic (the portal's dates use it) is what the conversion writes."""
    cldr = Locale.parse("kaa_Cyrl")
    assert [to_cyrillic(latin) for latin, _c in WEEK_AND_YEAR[:6]] == [cldr.days["format"]["wide"][d] for d in range(6)]
    assert [to_cyrillic(latin) for latin, _c in WEEK_AND_YEAR[6:]] == list(cldr.months["format"]["wide"].values())


def test_every_exception_is_a_lower_case_latin_stem_and_cyrillic():
    for latin, cyrillic in EXCEPTIONS.items():
        assert re.fullmatch(r"[a-záóúıǵń]+", latin), latin
        assert re.fullmatch(r"[а-яёәғқңөүўҳ]+", cyrillic), cyrillic


def _cyrillic_messages() -> list[tuple[str, str, str]]:
    out = []
    for domain in DOMAINS:
        with po_path("kaa_Cyrl", domain).open("rb") as f:
            out += [(domain, str(m.id), str(m.string)) for m in read_po(f) if m.id and m.string]
    return out


def test_no_karakalpak_cyrillic_message_holds_a_latin_letter_of_karakalpak_or_a_known_wrong_form():
    keep = re.compile(r"%\(\w+\)[sd]|<[^>]+>|\{[^}]*\}|https?://\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|[A-Z]{2,}|Qadam|"
                      r"[Ee]-?mail|Excel|Telegram|Google|Microsoft|Authenticator|FreeOTP")
    wrong = re.compile(r"[áóúıǵńÁÓÚÍǴŃ]|раён|\b[Рр]айон[^а-я]*ь|\bэки\b|\bЭки\b|\bэмес|\bэгер|\bэркек")
    found = [(d, msgid, text) for d, msgid, text in _cyrillic_messages() if wrong.search(keep.sub("", text))]
    assert found == []
    assert len(_cyrillic_messages()) > 500


def test_the_karakalpak_cyrillic_catalogues_are_the_latin_ones_converted():
    stale = []
    for domain in DOMAINS:
        latin = {str(m.id): str(m.string) for m in read("kaa_Latn", domain) if m.id}
        for m in read("kaa_Cyrl", domain):
            if m.id and str(m.string) != (to_cyrillic(latin[str(m.id)]) if latin.get(str(m.id)) else ""):
                stale.append((domain, m.id))
        assert {str(m.id) for m in read("kaa_Cyrl", domain) if m.id} == set(latin), domain
    assert stale == [], "run `python -m portal.catalogs cyrillic`"


def _converted(value: Any) -> Any:
    if isinstance(value, str):
        return to_cyrillic(value)
    if isinstance(value, list):
        return [_converted(item) for item in value]
    return {key: _converted(item) for key, item in value.items()}


def test_notifys_frozen_karakalpak_cyrillic_templates_are_its_latin_ones_converted():
    """notify cannot import the portal: its Karakalpak Cyrillic words (qadam_words' notify catalogue) were made with
    this conversion and frozen."""
    from notify.domain.templates import template

    assert template("kaa-Cyrl") == _converted(template("kaa")), \
        "regenerate the notify catalogue's kaa_Cyrl words from kaa_Latn with portal.karakalpak_cyrillic"


def test_risks_frozen_karakalpak_cyrillic_instrument_items_are_its_latin_ones_converted():
    """risk's migration 0011 holds each intake item in Karakalpak Cyrillic, made from 0009's Latin with this
    conversion and frozen."""
    versions = Path(__file__).parents[3] / "risk" / "risk" / "migrations" / "versions"
    latin, cyrillic = (module_at(path).TEXTS for path in (versions / "0009_instrument_in_every_language.py",
                                                           versions / "0011_instrument_in_karakalpak_cyrillic.py"))
    assert cyrillic == {item: {"kaa-Cyrl": to_cyrillic(words["kaa"])} for item, words in latin.items()}


