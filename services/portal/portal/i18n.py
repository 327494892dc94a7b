"""Languages: Uzbek in Latin (the default) and Cyrillic script, Russian, Karakalpak in Latin and Cyrillic script and
English, chosen per user; dates and numbers in the user's locale (Flask-Babel).

The pages' English text is the message id. Each part of the portal keeps its own catalogue (a gettext domain:
`messages` for what every page shares, then one per kind of user), compiled from its `.po` file when the app
starts. A message looked up in a language whose catalogues lack it is recorded as missing: logged, and counted
in a response header when `REPORT_MISSING_TRANSLATIONS` is set (the tests set it).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from babel import support
from flask import Flask, current_app, g, has_request_context, request
from flask_babel import (
    Babel,
    LazyString,
    format_date,
    format_datetime,
    format_decimal,
    format_percent,
    get_locale,
    get_translations,
)
from qadam.log import get_logger
from qadam_contracts.vocabulary import LANGUAGES
from qadam_words import vocabulary
from qadam_words.catalogs import compile_catalogs as compile_po_files
from qadam_words.formats import OWN_FORMATS
from qadam_words.places import place_name
from qadam_words.reasons import render_all

log = get_logger(__name__)
TRANSLATIONS = Path(__file__).parent / "translations"
DOMAINS = ("messages", "psychologist", "inspector", "manager", "admin", "support", "supervisor")
DEFAULT_LANGUAGE = "uz-Latn"
# Qadam's language codes (contracts.LANGUAGES) and the Babel locales that format them.
LOCALES = {"uz-Latn": "uz_Latn", "uz-Cyrl": "uz_Cyrl", "ru": "ru", "kaa": "kaa_Latn", "kaa-Cyrl": "kaa_Cyrl",
           "en": "en"}
SOURCE_LANGUAGE = "en"
# Each language named in itself, for the language menu.
LANGUAGE_NAMES = {"uz-Latn": "Oʻzbekcha", "uz-Cyrl": "Ўзбекча", "ru": "Русский", "kaa": "Qaraqalpaqsha",
                  "kaa-Cyrl": "Қарақалпақша", "en": "English"}
LANGUAGE_COOKIE = "qadam_lang"
assert set(LOCALES) == set(LANGUAGES)


def compile_catalogs(root: Path = TRANSLATIONS) -> int:
    """Write each `.mo` next to its `.po` where it is missing or older; returns how many were written.

    A catalogue that cannot be written (a read-only filesystem: images compile theirs at build time) is logged and
    skipped; the pages then use the `.mo` already there, or show that catalogue's English text."""
    return compile_po_files(root, not_written=lambda po, exc: log.warning(
        "translations_not_compiled", catalog=str(po), error=str(exc)))


def reasons_read(codes: Any, sentences: Any = None) -> list[str]:
    """A flag's or an alert's reasons in the reader's language, from their codes (qadam_words.reasons); where there
    are none (an alert made before reasons were codes), the sentences as they were written."""
    return render_all(codes, current_language()) if codes else list(sentences or [])


def current_language() -> str:
    if not has_request_context():
        return DEFAULT_LANGUAGE
    chosen = g.get("language")
    if chosen:
        return str(chosen)
    user = g.get("user")
    if user is not None and user.language in LOCALES:
        language = user.language
    else:
        asked = request.args.get("lang") or request.cookies.get(LANGUAGE_COOKIE)
        if asked in LOCALES:
            language = asked
        else:
            best = request.accept_languages.best_match(["uz", "ru", "kaa", "kaa-Cyrl", "en"])
            language = {"uz": "uz-Latn", "ru": "ru", "kaa": "kaa", "kaa-Cyrl": "kaa-Cyrl", "en": "en"}.get(
                best or "", DEFAULT_LANGUAGE)
    g.language = language
    return language


def _select_locale() -> str:
    return LOCALES[current_language()]


def _known(msgid: str) -> bool:
    if current_language() == SOURCE_LANGUAGE:
        return True
    catalog = getattr(get_translations(), "_catalog", {})
    return bool(catalog.get(msgid))


_DOMAIN_CATALOGS: dict[tuple[str, str], dict[Any, str]] = {}


def _own_catalog(domain: str) -> dict[Any, str]:
    """One domain's messages in the user's language (the merged catalogue lets a later domain's word win)."""
    locale = LOCALES[current_language()]
    key = (locale, domain)
    if key not in _DOMAIN_CATALOGS:
        loaded = support.Translations.load(str(TRANSLATIONS), [locale], domain)
        _DOMAIN_CATALOGS[key] = dict(getattr(loaded, "_catalog", {}))
    return _DOMAIN_CATALOGS[key]


def _page_domain() -> str:
    """The catalogue of the page being drawn: its blueprint's (the psychologist's pages, ...), else the shared one."""
    blueprint = request.blueprint if has_request_context() else None
    return blueprint if blueprint in DOMAINS else "messages"


def _record_missing(msgid: str) -> None:
    if has_request_context():
        g.setdefault("missing_translations", set()).add(msgid)


def lookup(msgid: str) -> str:
    """The message in the user's language, placeholders unfilled (Jinja fills them: `_("… %(n)s", n=3)`).

    A word can mean two things on two kinds of page ("From": a date, or a place): the page's own catalogue is
    asked first, then the shared one, then all of them."""
    if current_language() == SOURCE_LANGUAGE:
        return msgid
    for domain in dict.fromkeys((_page_domain(), "messages")):
        text = _own_catalog(domain).get(msgid)
        if text:
            return text
    if not _known(msgid):
        _record_missing(msgid)
    return str(get_translations().ugettext(msgid))


def nlookup(singular: str, plural: str, num: int) -> str:
    catalog = getattr(get_translations(), "_catalog", {})
    if current_language() != SOURCE_LANGUAGE and not catalog.get((singular, 0)):  # plural forms: (msgid, index)
        _record_missing(singular)
    return str(get_translations().ungettext(singular, plural, num))


def gettext(msgid: str, **variables: Any) -> str:
    """The message in the user's language; `%(name)s` placeholders filled from `variables`."""
    text = lookup(msgid)
    return text % variables if variables else text


def lazy_gettext(msgid: str, **variables: Any) -> LazyString:
    """For text defined once at import time and shown later, in whoever's language asks."""
    return LazyString(gettext, msgid, **variables)


_ = gettext


# -- the words the services share (qadam_words' `vocabulary` domain) ------------------------------------------
def shared_word(msgid: str) -> str:
    """One of the shared vocabulary's English words (qadam_words.vocabulary) in the user's language: the reasons,
    warning signs, incident kinds and programme templates are kept there once, for every service, not here.

    A word the vocabulary's catalogue lacks comes back as its English id: it is recorded as missing, as `lookup`
    records the pages' own (X-Qadam-Missing-Translations)."""
    language = current_language()
    text = vocabulary.said(msgid, language)
    if text == msgid and language != SOURCE_LANGUAGE:
        _record_missing(msgid)
    return text


def lazy_shared(names: dict[str, str]) -> dict[str, LazyString]:
    """{code: the shared word}, each said in whoever's language asks (as `lazy_gettext`)."""
    return {code: LazyString(shared_word, msgid) for code, msgid in names.items()}


def order_condition_filter(code: str) -> str:
    """A protection order's standard condition (a code of the contracts' ORDER_CONDITIONS) in the user's language,
    from the shared vocabulary (recorded as missing where its catalogue lacks it, as `shared_word` does)."""
    language = current_language()
    text = vocabulary.order_condition_name(code, language)
    name = vocabulary.ORDER_CONDITION_NAMES.get(code)
    if name is not None and text == name.msgid and language != SOURCE_LANGUAGE:
        _record_missing(name.msgid)
    return text


def programme_text_filter(value: str | None) -> str:
    """A programme's name or description: a shipped template's words in the user's language, a region's own as
    written (a shipped template's words the catalogue lacks are recorded as missing, as `shared_word` does)."""
    if value in vocabulary.SHIPPED_TEXTS:
        return shared_word(value)
    return value or ""


# -- places: a region's or a district's name in the reader's language ----------------------------------------------
def region_name(identifier: str | None) -> str:
    """A region, stored by its identifier (its Uzbek Latin name), as the user's language calls it
    (qadam_words.places: "Buxoro viloyati" is "Бухарская область" on a Russian page)."""
    return place_name(identifier, "region", current_language())


def district_name(identifier: str | None) -> str:
    """A district, as `region_name`; one the catalogue has no names for yet (an administrator added it) as stored."""
    return place_name(identifier, "district", current_language())


def area_name(region: str | None, district: str | None = None, mahalla: str | None = None,
              separator: str = " / ") -> str:
    """A user's or a row's area, region / district / mahalla, each part named in the user's language (a mahalla as
    written: the catalogue keeps no mahallas); empty where there is none."""
    return separator.join(part for part in (region_name(region), district_name(district), mahalla or "") if part)


def place_options(identifiers: Any, kind: str) -> list[tuple[str, str]]:
    """(identifier, name in the user's language) for a <select>: the value sent back stays the identifier. Regions
    keep the order given (the Area table's: Karakalpakstan first, as official lists have it); districts are sorted as
    the reader reads them."""
    options = [(value, place_name(value, kind, current_language())) for value in identifiers]
    return options if kind == "region" else sorted(options, key=lambda option: option[1].casefold())


# -- dates and numbers in the user's locale ------------------------------------------------------------------
def _as_datetime(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


# Karakalpak in Latin script has almost no calendar data in CLDR ("2026 M12 1"): its dates are written the way
# offices in Nukus write them, day.month.year (that knowledge is qadam_words': the exports write dates with it too).
# Karakalpak in Cyrillic script has CLDR's own ("1-дек 2026").
NUMERIC_DATES = {language: (own.date, own.date_time) for language, own in OWN_FORMATS.items()
                 if own.date and own.date_time}


def _form(form: str, with_time: bool) -> str:
    numeric = NUMERIC_DATES.get(current_language())
    if numeric is None or form not in ("short", "medium", "long", "full"):
        return form
    return numeric[1] if with_time else numeric[0]


def date_filter(value: Any, form: str = "medium") -> str:
    if value in (None, ""):
        return "—"
    form = _form(form, with_time=False)
    if isinstance(value, str):
        value = date.fromisoformat(value) if len(value) == 10 else _as_datetime(value)
    if isinstance(value, date):  # a moment is shown as its day in the user's time zone
        return format_date(value, form)
    return str(value)


def datetime_filter(value: Any, form: str = "medium") -> str:
    form = _form(form, with_time=True)
    moment = _as_datetime(value)
    return format_datetime(moment, form) if moment else "—"


def time_filter(value: Any) -> str:
    moment = _as_datetime(value)
    return format_datetime(moment, "HH:mm") if moment else "—"


def number_filter(value: Any, digits: int = 0) -> str:
    if value is None:
        return "—"
    return format_decimal(value, format="#,##0" + ("." + "0" * digits if digits else ""))


def percent_filter(value: Any) -> str:
    return "—" if value is None else format_percent(value, format="#,##0%")


def age_filter(value: Any) -> str:
    """How long ago, in words of the user's language: `3 h`, `2 d`."""
    moment = _as_datetime(value)
    if moment is None:
        return "—"
    seconds = max(0, int((datetime.now(UTC) - moment).total_seconds()))
    if seconds < 3600:
        return gettext("%(n)s min", n=seconds // 60)
    if seconds < 86400:
        return gettext("%(n)s h", n=seconds // 3600)
    return gettext("%(n)s d", n=seconds // 86400)


def init_i18n(app: Flask, time_zone: str) -> None:
    written = compile_catalogs()
    if written:
        log.info("translations_compiled", catalogs=written)
    app.config.update(
        BABEL_DEFAULT_LOCALE=LOCALES[DEFAULT_LANGUAGE],
        BABEL_DEFAULT_TIMEZONE=time_zone,
        BABEL_TRANSLATION_DIRECTORIES=";".join([str(TRANSLATIONS)] * len(DOMAINS)),
        BABEL_DOMAIN=";".join(DOMAINS),
    )
    Babel(app, locale_selector=_select_locale)
    app.jinja_env.install_gettext_callables(lookup, nlookup, newstyle=True)  # type: ignore[attr-defined]
    app.jinja_env.filters.update(date=date_filter, datetime=datetime_filter, time=time_filter,
                                 number=number_filter, percent=percent_filter, age=age_filter,
                                 programme_text=programme_text_filter, region=region_name,
                                 district=district_name, order_condition=order_condition_filter)
    app.jinja_env.globals.update(language_names=LANGUAGE_NAMES, current_language=current_language,
                                 get_locale=get_locale, reasons_read=reasons_read,
                                 area_name=area_name)

    @app.after_request
    def _report_missing(response: Any) -> Any:
        missing = g.get("missing_translations")
        if missing:
            log.warning("missing_translation", language=current_language(), messages=sorted(missing)[:20],
                        count=len(missing))
            if current_app.config.get("REPORT_MISSING_TRANSLATIONS"):
                response.headers["X-Qadam-Missing-Translations"] = str(len(missing))
        return response
