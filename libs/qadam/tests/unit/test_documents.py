"""The kit's papers without rendering: the check code (its form, what it depends on, how a person may type it back)
and the SHA-256 of a file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from qadam import documents

KEY = b"k" * 32
AT = datetime(2026, 12, 6, 10, 30, tzinfo=UTC)
FACTS = {"kind": "progress_report", "attended": 5, "name": "Oʻtkir Xoʻjayev"}


def code(**changes):
    given = {"number": "QD-2026-000123", "issued_at": AT, "content": FACTS, **changes}
    return documents.check_code(KEY, **given)


def test_a_check_code_is_two_groups_of_four_crockford_characters_and_always_the_same():
    made = code()
    assert len(made) == 9 and made[4] == "-" and made == code()
    assert set(made.replace("-", "")) <= set(documents.CROCKFORD) and not set(made) & set("ILOU")


def test_the_code_changes_with_the_number_the_time_any_fact_or_the_key():
    made = code()
    assert made != code(number="QD-2026-000124")
    assert made != code(issued_at=AT + timedelta(seconds=1))
    assert made != code(content={**FACTS, "attended": 6})
    assert made != documents.check_code(b"x" * 32, number="QD-2026-000123", issued_at=AT, content=FACTS)
    # the same moment written in another time zone is the same time
    assert made == code(issued_at=AT.astimezone(timezone(timedelta(hours=5))))


def test_a_code_is_recognised_as_a_person_types_it():
    made = code()
    typed = made.replace("-", " ").lower().replace("0", "o").replace("1", "l")
    assert documents.same_code(typed, made) and documents.same_code(f"  {made} ", made)
    assert not documents.same_code(made[:-1], made) and not documents.same_code("", made)
    assert not documents.same_code("ÄÄÄÄ-ÄÄÄÄ", made)


def test_a_kept_code_is_verified_against_the_keys_newest_first():
    made = code()
    assert documents.code_matches([b"new" * 11, KEY], made, number="QD-2026-000123", issued_at=AT, content=FACTS)
    assert not documents.code_matches([b"new" * 11], made, number="QD-2026-000123", issued_at=AT, content=FACTS)


def test_the_sha256_of_a_file_is_its_hex_digest():
    assert documents.sha256_of(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_a_code_checks_from_the_contents_digest_once_the_content_is_purged():
    made = code()
    digest = documents.content_digest(FACTS)
    assert len(digest) == 64 and "Oʻtkir" not in digest
    assert documents.code_matches([KEY], made, number="QD-2026-000123", issued_at=AT, digest=digest)
    assert not documents.code_matches([KEY], made, number="QD-2026-000123", issued_at=AT,
                                      digest=documents.content_digest({**FACTS, "attended": 6}))
