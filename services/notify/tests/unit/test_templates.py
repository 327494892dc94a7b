"""Messages in the recipient's language: every kind in every language, no names, links whole, short texts short."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
import qadam_words
from notify.domain.templates import (
    DEFAULT_LANGUAGE,
    DOMAIN,
    KINDS,
    LANGUAGES,
    LEVELS,
    NOTICES,
    ROLES,
    RULE_FAMILIES,
    SHORT_MAX,
    SOURCE,
    language_of,
    level_word,
    page_words,
    render,
    rule_title,
    template,
)
from qadam_words.catalogs import CONTEXT_SEPARATOR, message_ids

CODE = "P-2026-000123"
LINK = "https://qadam.example.uz/alerts/5f0e8d3c-2b7a-4c1e-9a55-0d9b1f6a7e21"
ACK = "https://qadam.example.uz/ack/5f0e8d3c-2b7a-4c1e-9a55-0d9b1f6a7e21.1767225600.x9Yb"
INBOX = "https://qadam.example.uz/alerts?status=open"
REASON = "2 unexcused absences in a row: sessions 3 and 4 (2026-03-02, 2026-03-05)."
ALERT = {"participant_code": CODE, "level": "high", "reason": REASON, "link": LINK, "ack_link": ACK}
ITEMS = [{"participant_code": "P-2026-000124", "level": "medium", "reason": "He misses many sessions.",
          "link": f"{LINK}-1"},
         {"participant_code": "P-2026-000125", "level": "low", "reason": "A risk reassessment is due.",
          "link": f"{LINK}-2"}]
FIELDS: dict[str, dict[str, Any]] = {
    "alert": ALERT,
    "reminder": {**ALERT, "minutes": 45},
    "escalation": {**ALERT, "minutes": 30, "role": "inspector"},
    "level_rise": {"participant_code": CODE, "from_level": "medium", "level": "critical", "link": LINK},
    "digest": {"day": "2026-03-10", "items": ITEMS, "link": INBOX},
    "safety_notice": {"participant_code": CODE, "notice": "order_ended", "link": LINK},
}
CODES = {kind: [CODE] for kind in KINDS} | {"digest": [item["participant_code"] for item in ITEMS]}
LINKS = {kind: [LINK, ACK] for kind in ("alert", "reminder", "escalation")} | {
    "level_rise": [LINK], "digest": [INBOX, *(item["link"] for item in ITEMS)], "safety_notice": [LINK]}
SHORT_LINK = {"alert": ACK, "reminder": ACK, "escalation": ACK, "level_rise": LINK, "digest": INBOX,
              "safety_notice": LINK}
EVERY = [(kind, language) for kind in KINDS for language in LANGUAGES]


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\((\w+)\)s", text))


def every_string(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in every_string(v)]
    if isinstance(value, list):
        return [s for v in value for s in every_string(v)]
    return []


@pytest.mark.parametrize(("kind", "language"), EVERY)
def test_every_kind_renders_in_every_language_with_the_code_and_the_links(kind: str, language: str):
    message = render(kind, language, **FIELDS[kind])

    for part in (message.subject, message.text, message.short):
        assert "{" not in part and "}" not in part
    for code in CODES[kind]:
        assert code in message.text
    assert CODE in message.subject or kind == "digest"
    for link in LINKS[kind]:
        assert link in message.text
    assert SHORT_LINK[kind] in message.short
    if kind != "digest":
        assert CODE in message.short
    assert "\n" not in message.subject and len(message.short) <= SHORT_MAX


@pytest.mark.parametrize(("kind", "language"), EVERY)
def test_every_email_says_decision_support_and_ends_saying_no_names_and_not_to_forward_it(kind: str, language: str):
    lines = template(language)["lines"]
    text = render(kind, language, **FIELDS[kind]).text

    assert lines["decision_support"] in text
    assert text.rstrip("\n").split("\n")[-1] == lines["no_names"]


@pytest.mark.parametrize("kind", KINDS)
def test_each_language_says_it_in_its_own_words(kind: str):
    messages = [render(kind, language, **FIELDS[kind]) for language in LANGUAGES]
    assert len({m.text for m in messages}) == len({m.short for m in messages}) == len({m.subject for m in messages}) \
        == len(LANGUAGES)


def test_a_name_has_no_way_into_a_message():
    with pytest.raises(TypeError, match="participant_name"):
        render("alert", "uz-Latn", **ALERT, participant_name="Karimov Aziz")
    with pytest.raises(TypeError, match="victim"):
        render("level_rise", "ru", **FIELDS["level_rise"], victim="Karimova Dilnoza")
    # a digest item's other keys (a row from the inbox, say) never reach the text
    item = {**ITEMS[0], "name": "Karimov Aziz", "phone": "+998901234567"}
    message = render("digest", "en", day="2026-03-10", items=[item], link=INBOX)
    assert all("Karimov" not in part and "+998" not in part for part in (message.subject, message.text, message.short))


@pytest.mark.parametrize(("kind", "language"), [(k, lang) for k in ("alert", "reminder", "escalation") for lang in LANGUAGES])
def test_a_long_reason_is_cut_in_the_short_text_and_the_links_stay_whole(kind: str, language: str):
    reason = "Warning sign recorded by the facilitator: " + "he spoke of her at length. " * 80
    long_ack = ACK + "." + "k" * 120
    fields = {**FIELDS[kind], "reason": reason[:2000], "ack_link": long_ack}
    assert len(fields["reason"]) == 2000

    message = render(kind, language, **fields)
    assert len(message.short) <= SHORT_MAX
    assert message.short.endswith(long_ack) and CODE in message.short
    assert "… " in message.short or "…;" in message.short
    assert fields["reason"] in message.text and long_ack in message.text and LINK in message.text  # e-mail: all of it


def test_the_sms_of_an_alert_reads_as_practitioners_expect():
    message = render("alert", "uz-Latn", **ALERT, rule_id="consecutive_absences")
    assert message.short == f"Qadam: YUQORI xavf, {CODE} — ketma-ket sababsiz qatnashmaslik. Tasdiqlang: {ACK}"
    assert "Qoida: ketma-ket sababsiz qatnashmaslik" in message.text and f"Sabab: {REASON}" in message.text


def test_without_a_rule_id_the_short_text_gives_the_reason():
    message = render("alert", "en", **ALERT)
    assert message.short == f"Qadam: HIGH risk, {CODE} — {REASON.rstrip('.')}. Acknowledge: {ACK}"


@pytest.mark.parametrize("language", ["de", "", "xx-Latn", "tr-TR"])
def test_an_unknown_language_falls_back_to_uzbek_in_latin_script(language: str):
    for kind in KINDS:
        assert render(kind, language, **FIELDS[kind]) == render(kind, "uz-Latn", **FIELDS[kind])
    assert language_of(language) == DEFAULT_LANGUAGE == "uz-Latn"


@pytest.mark.parametrize(("tag", "language"), [("uz", "uz-Latn"), ("uz-latn", "uz-Latn"), ("uz-Cyrl-UZ", "uz-Cyrl"),
                                               ("uz_Cyrl", "uz-Cyrl"), ("ru-RU", "ru"), ("kaa", "kaa"),
                                               ("kaa-Latn", "kaa"), ("kaa-Cyrl", "kaa-Cyrl"),
                                               ("kaa-cyrl", "kaa-Cyrl"), ("kaa_Cyrl", "kaa-Cyrl"),
                                               ("kaa-Cyrl-UZ", "kaa-Cyrl"), ("en-GB", "en")])
def test_language_tags_find_their_templates(tag: str, language: str):
    assert language_of(tag) == language


def test_a_missing_field_is_a_key_error_and_an_unknown_kind_a_value_error():
    with pytest.raises(KeyError, match="ack_link"):
        render("alert", "ru", **{k: v for k, v in ALERT.items() if k != "ack_link"})
    with pytest.raises(KeyError, match="role"):
        render("escalation", "en", **ALERT, minutes=30)
    with pytest.raises(KeyError, match="participant_code"):
        render("digest", "kaa", day="2026-03-10", items=[{"level": "low", "reason": "r", "link": LINK}], link=INBOX)
    with pytest.raises(ValueError, match="alert, reminder"):
        render("postcard", "en", **ALERT)


def test_the_english_source_has_every_kind_level_role_rule_family_and_notice():
    # checked once, on SOURCE: template() gives every language SOURCE's shape, whatever its catalogue holds
    assert set(SOURCE["kinds"]) == set(KINDS)
    assert all(set(parts) == {"subject", "text", "short"} for parts in SOURCE["kinds"].values())
    assert set(SOURCE["levels"]) == set(LEVELS) and set(SOURCE["roles"]) == set(ROLES)
    assert set(SOURCE["rules"]) == set(RULE_FAMILIES) and set(SOURCE["notices"]) == set(NOTICES)


def test_every_language_keeps_each_message_s_placeholders_and_says_each_level_apart():
    # what a catalogue can get wrong: a message that loses or invents a placeholder, a level said empty or as another
    for language in LANGUAGES:
        words = template(language)
        for kind in KINDS:
            for part in ("subject", "text", "short"):
                assert placeholders(words["kinds"][kind][part]) == placeholders(SOURCE["kinds"][kind][part]), \
                    (language, kind, part)
                assert placeholders(words["kinds"][kind][part]), (language, kind, part)  # the pattern finds them
        for name, line in words["lines"].items():
            assert placeholders(line) == placeholders(SOURCE["lines"][name]), (language, name)
        for notice, said in words["notices"].items():
            assert placeholders(said["text"]) == placeholders(SOURCE["notices"][notice]["text"]), (language, notice)
        assert all(words["levels"].values()) and len(set(words["levels"].values())) == len(LEVELS), language


@pytest.mark.parametrize("language", LANGUAGES)
def test_level_words_are_the_languages_own(language: str):
    for level in LEVELS:
        word = template(language)["levels"][level]
        message = render("alert", language, **{**ALERT, "level": level})
        assert word in message.text and word.upper() in message.short


def test_rule_titles_by_family_and_a_general_title_for_a_family_the_templates_do_not_know():
    assert rule_title("sign.threat_to_kill", "uz-Latn") == rule_title("sign.strangulation", "uz-Latn") == \
        "xavotirli belgi qayd etildi"
    assert rule_title("intake.band_very_high", "ru") == "результат первичной оценки риска"
    assert rule_title("order.expiring", "kaa") != rule_title("order.plan_overdue", "kaa")
    assert rule_title("cluster.separation_control_violence", "en") == rule_title("cluster.amber", "en")
    assert rule_title("region.custom_rule", "uz-Cyrl") == template("uz-Cyrl")["rules"]["other"]
    ids = ["consecutive_absences", "absence_rate", "sign.new_violence", "incident.order_breach", "intake.band_high",
           "order.expiring", "order.plan_overdue", "programme.exit_proposed", "cluster.amber", "assessment.due"]
    for language in LANGUAGES:
        titles = [rule_title(rule_id, language) for rule_id in ids]
        assert len(set(titles)) == len(ids) and template(language)["rules"]["other"] not in titles, language


def test_waits_read_as_minutes_or_hours():
    def waited(language: str, minutes: float) -> str:
        return render("reminder", language, **{**ALERT, "minutes": minutes}).text

    assert "tasdiqlanmaganiga 45 daqiqa boʻldi" in waited("uz-Latn", 45)
    assert "tasdiqlanmaganiga 4 soat boʻldi" in waited("uz-Latn", 240)
    assert "тасдиқланмаганига 4 соат 30 дақиқа бўлди" in waited("uz-Cyrl", 270)
    assert "не подтверждено уже 1 ч 5 мин." in waited("ru", 65)
    assert "tastıyıqlanbaǵanına 1 saat 30 minut boldı" in waited("kaa", 90)
    assert "тастыйықланбағанына 1 саат 30 минут болды" in waited("kaa-Cyrl", 90)
    assert "has waited 2 h without acknowledgement" in waited("en", 120)


@pytest.mark.parametrize("language", ["uz-Latn", "uz-Cyrl", "kaa", "kaa-Cyrl"])
def test_a_digest_s_day_stands_alone_where_a_suffix_would_attach_to_the_date(language: str):
    # "10-mar, 2026 kungi" reads wrongly: the day is written apart, in brackets, in subject, heading and short text
    day = qadam_words.words(DOMAIN, language).format_date(date(2026, 3, 10))
    message = render("digest", language, day="2026-03-10", items=ITEMS, link=INBOX)
    for text in (message.subject, message.text.splitlines()[0], message.short):
        assert f"({day})" in text or f"({day};" in text, (language, text)


def test_an_empty_digest_says_there_is_nothing_new():
    message = render("digest", "uz-Latn", day="2026-03-10", items=[], link=INBOX)
    assert "Yangi ogohlantirishlar yoʻq." in message.text and "0 ta ogohlantirish" in message.subject


def test_uzbek_and_karakalpak_use_the_letters_of_their_alphabets():
    latin = {"uz-Latn": "ʻʼ", "kaa": "áóúıǵń"}  # oʻ, gʻ with U+02BB and the tutuq belgisi U+02BC; Karakalpak's own
    for language, letters in latin.items():
        text = " ".join(every_string(template(language)))
        assert not re.search("['`‘’]", text), language  # no typewriter stand-ins for ʻ and ʼ
        assert not re.search("[а-яА-ЯёЁўқғҳЎҚҒҲ]", text), language
        assert all(letter in text for letter in letters), language
    for language in ("uz-Cyrl", "ru", "kaa-Cyrl"):
        text = " ".join(every_string(template(language)))
        without = re.sub(r"%\([A-Za-z_]+\)s|Qadam", "", text)
        assert not re.search("[A-Za-záóúıǵń]", without), language
    assert "ў" in " ".join(every_string(template("uz-Cyrl")))
    assert all(letter in " ".join(every_string(template("kaa-Cyrl"))) for letter in "әөүығңўқҳ")


@pytest.mark.parametrize("language", LANGUAGES)
def test_her_support_worker_is_told_each_thing_in_her_language_with_a_code_and_a_link_only(language: str):
    texts = set()
    for notice in NOTICES:
        message = render("safety_notice", language, participant_code=CODE, notice=notice, link=LINK)
        assert CODE in message.text and LINK in message.text and LINK in message.short and CODE in message.short
        assert "{" not in message.text + message.short + message.subject
        texts.add(message.text)
    assert len(texts) == len(NOTICES)  # each says its own thing
    with pytest.raises(TypeError, match="reason"):
        render("safety_notice", language, participant_code=CODE, notice="dropout", link=LINK,
               reason="3 unexcused absences: sessions 4, 5, 6")


# -- every word from the one catalogue (qadam_words' `notify` domain) ------------------------------------------------
ENGLISH_IDS = [key.split(CONTEXT_SEPARATOR)[-1] for key in message_ids(DOMAIN)]
# the words of the English ids: what a non-English message must not show. Proper nouns and codes excepted: "Qadam"
# (and the participant codes and links, taken out of the text before it is read)
ENGLISH_WORDS = {word.lower() for msgid in ENGLISH_IDS for word in re.findall(r"[^\W\d_]+", re.sub(r"%\(\w+\)s", "",
                                                                                                      msgid))} - {"qadam"}
# a word English shares with a language as its own (the Uzbek and Karakalpak for an administrator is "administrator")
SHARED = {"uz-Latn": {"administrator"}, "kaa": {"administrator"}}


def every_rendering(language: str) -> list[str]:
    """Every kind with every level, role, rule family and notice, in `language`; the reason (free text, carried as
    it came) in the language's own words, so that what is left is the templates'."""
    reason = rule_title("absence_rate", language)
    alert = {**ALERT, "reason": reason}
    items = [{**item, "reason": reason} for item in ITEMS]
    messages = [render("alert", language, **{**alert, "level": level}) for level in LEVELS]
    messages += [render("alert", language, **alert, rule_id=rule) for rule in RULE_FAMILIES]
    messages += [render("reminder", language, **alert, minutes=minutes) for minutes in (45, 60, 125)]
    messages += [render("escalation", language, **alert, minutes=90, role=role) for role in ROLES]
    messages += [render("level_rise", language, participant_code=CODE, from_level=low, level=high, link=LINK)
                 for low, high in zip(LEVELS, LEVELS[1:], strict=False)]
    messages += [render("digest", language, day=day, items=shown, link=INBOX)
                 for day in ("2026-03-10", date(2026, 12, 1)) for shown in (items, [])]
    messages += [render("safety_notice", language, participant_code=CODE, notice=notice, link=LINK)
                 for notice in NOTICES]
    # over a channel that leaves the country: the words that stand for the reason, and for what a notice says
    messages += [render(kind, language, carries_reason=False, **FIELDS[kind]) for kind in KINDS]
    page = page_words(language)
    return [part for m in messages for part in (m.subject, m.text, m.short)] + [
        page["page_heading"] % {"LEVEL": level_word("high", language).upper(), "participant_code": CODE},
        *(text for name, text in page.items() if name != "page_heading")]


def english_words_in(text: str, language: str) -> set[str]:
    text = re.sub(r"https?://\S+|P-\d{4}-\d{6}|%\(\w+\)s", " ", text)  # links, codes, placeholders
    return {word for word in re.findall(r"[^\W\d_]+", text.lower())
            if word in ENGLISH_WORDS and word not in SHARED.get(language, set())}


@pytest.mark.parametrize("language", [language for language in LANGUAGES if language != "en"])
def test_every_notification_in_every_language_has_no_english_word_and_no_untranslated_id(language: str):
    rendered = every_rendering(language)
    found = {word: text for text in rendered for word in english_words_in(text, language)}
    assert not found, f"English in a {language} message: {found}"
    every_text = "\n".join(rendered)
    untranslated = [msgid for msgid in ENGLISH_IDS if english_words_in(msgid, language) and msgid in every_text]
    assert not untranslated
    # and the catalogue has its own words for every id that has English words
    held = qadam_words.words(DOMAIN, language).messages
    assert not [key for key in message_ids(DOMAIN) if english_words_in(key.split(CONTEXT_SEPARATOR)[-1], language)
                and held.get(key, key.split(CONTEXT_SEPARATOR)[-1]) == key.split(CONTEXT_SEPARATOR)[-1]]


def test_the_english_word_list_is_the_english_catalogues_and_finds_english():
    # the check above reads the words it must not find from the catalogue: it finds them in an English message
    assert {"risk", "alert", "acknowledge", "programme", "partner"} <= ENGLISH_WORDS
    assert english_words_in(render("alert", "en", **ALERT).text, "uz-Latn")
    assert english_words_in("Qadam: YUQORI xavf, " + INBOX, "uz-Latn") == set()


def test_a_language_without_its_words_for_a_message_would_show_english(monkeypatch):
    # what the test above guards against: a message with no words in the catalogue falls back to its English id
    words = qadam_words.words(DOMAIN, "kaa")
    msgid = str(SOURCE["lines"]["decision_support"])
    assert words.gettext(msgid) != msgid and msgid in words.messages
    bare = qadam_words.Words(language="kaa", domain=DOMAIN,
                             messages={k: v for k, v in words.messages.items() if k != msgid})
    assert bare.gettext(msgid) == msgid and english_words_in(bare.gettext(msgid), "kaa")


def test_the_woman_s_support_worker_is_said_apart_where_the_language_does():
    # one English word for two roles: the catalogue keeps them apart by their context
    def role(language: str, name: str) -> str:
        return render("escalation", language, **ALERT, minutes=30, role=name).text

    assert "(специалист по поддержке пострадавшей)" in role("ru", "victim_support")
    assert "(специалист по поддержке)" in role("ru", "support_worker")
    assert "responsible support worker within" in role("en", "victim_support")


@pytest.mark.parametrize(("language", "day", "waited"), [
    ("uz-Latn", "1-dek, 2026", "1\u00a0500 soat"), ("ru", "1 дек. 2026\u202fг.", "1\u00a0500 ч"),
    ("kaa", "01.12.2026", "1\u00a0500 saat"), ("en", "Dec 1, 2026", "1,500 h")])
def test_a_digest_s_day_and_a_wait_s_numbers_are_written_as_the_language_writes_them(language, day, waited):
    # the language's formats (qadam_words), as the portal's pages and the exports write them
    digest = render("digest", language, day="2026-12-01", items=[], link=INBOX)
    assert day in digest.subject and day in digest.text and day in digest.short
    assert render("digest", language, day=date(2026, 12, 1), items=[], link=INBOX) == digest
    assert "2026-12-01" not in digest.text
    # a long wait is told in hours, the number grouped as the language groups it
    assert waited in render("reminder", language, **{**ALERT, "minutes": 1500 * 60}).text


@pytest.mark.parametrize(("kind", "language"), EVERY)
def test_over_a_channel_that_leaves_the_country_a_message_keeps_code_level_and_links_and_no_reason(kind: str,
                                                                                                 language: str):
    fields = {**FIELDS[kind], "reason": REASON} if "reason" in FIELDS[kind] else FIELDS[kind]
    withheld = render(kind, language, carries_reason=False, **fields)
    whole = render(kind, language, **fields)
    for text in (withheld.subject, withheld.text, withheld.short):
        assert "unexcused" not in text and "sessions 3 and 4" not in text and "He misses" not in text
    for code in CODES[kind]:
        assert code in withheld.text
    for link in LINKS[kind]:
        assert link in withheld.text
    assert SHORT_LINK[kind] in withheld.short
    if "level" in fields:
        assert level_word(fields["level"], language) in withheld.text
    if kind in ("level_rise",):  # nothing of a reason in it to keep home
        assert withheld == whole
    else:
        assert withheld.text != whole.text
    if kind == "safety_notice":  # what happened stays in Qadam too
        assert template(language)["notices"]["order_ended"]["text"] % {"participant_code": CODE} not in withheld.text
