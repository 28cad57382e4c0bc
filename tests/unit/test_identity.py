from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.identity import (
    IdentityError,
    ResidentId,
    check_character,
    make_resident_id,
    mask_id_number,
    mask_phone,
    normalize_phone,
    parse_resident_id,
    validate_borrower_age,
    validate_name,
)

# Check characters worked by hand, weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2:
#
# 11010519491231002X
#   digits   1 1  0 1 0  5 1 9  4  9 1  2  3 1 0 0 2
#   products 7 9  0 5 0 20 2 9 24 27 7 18 30 5 0 0 4  -> sum 167
#   167 mod 11 = 2 -> "10X98765432"[2] = "X"
#
# 440524188001010014
#   digits    4  4 0  5  2  4 1 8  8 0 0 1 0 1 0 0 1
#   products 28 36 0 25 16 16 2 8 48 0 0 9 0 5 0 0 2  -> sum 195
#   195 mod 11 = 8 -> "10X98765432"[8] = "4"


def test_check_character_of_published_samples() -> None:
    assert check_character("11010519491231002") == "X"
    assert check_character("44052418800101001") == "4"


def test_check_character_needs_17_digits() -> None:
    with pytest.raises(IdentityError) as err:
        check_character("1101051949123100")
    assert err.value.code == "ID_FORMAT"


def test_parse_sample_with_x() -> None:
    rid = parse_resident_id("11010519491231002X")
    assert rid == ResidentId(
        number="11010519491231002X", region="110105", birth_date=date(1949, 12, 31), sex="F"
    )


def test_parse_normalises_spaces_and_lower_case_x() -> None:
    assert parse_resident_id(" 110105 19491231 002x ").number == "11010519491231002X"


def test_parse_accepts_full_width_characters() -> None:
    assert parse_resident_id("１１０１０５１９４９１２３１００２ｘ").number == "11010519491231002X"


def test_parse_second_sample() -> None:
    rid = parse_resident_id("440524188001010014")
    assert rid.birth_date == date(1880, 1, 1)
    assert rid.region == "440524"
    assert rid.sex == "M"


@pytest.mark.parametrize(
    "text", ["", "1101051949123100", "1101051949123100212", "11010519491231002Y", "X1010519491231002X"]
)
def test_malformed_numbers_rejected(text: str) -> None:
    with pytest.raises(IdentityError) as err:
        parse_resident_id(text)
    assert (err.value.code, err.value.field) == ("ID_FORMAT", "idNumber")


def test_wrong_check_character_rejected() -> None:
    with pytest.raises(IdentityError) as err:
        parse_resident_id("110105194912310021")
    assert (err.value.code, err.value.field) == ("ID_CHECKSUM", "idNumber")


def test_single_digit_typo_caught_by_checksum() -> None:
    with pytest.raises(IdentityError) as err:
        parse_resident_id("11010519491231012X")
    assert err.value.code == "ID_CHECKSUM"


def test_impossible_birth_date_rejected() -> None:
    first17 = "110105" + "19990230" + "123"
    number = first17 + check_character(first17)  # checksum is right, so only the date is wrong
    with pytest.raises(IdentityError) as err:
        parse_resident_id(number)
    assert (err.value.code, err.value.field) == ("ID_BIRTH_DATE", "idNumber")


def test_identity_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse_resident_id("nonsense")


def test_sex_from_seventeenth_digit() -> None:
    assert parse_resident_id(make_resident_id("110105", date(1990, 1, 1), "011")).sex == "M"
    assert parse_resident_id(make_resident_id("110105", date(1990, 1, 1), "010")).sex == "F"


def _born(birth: date) -> ResidentId:
    return parse_resident_id(make_resident_id("110105", birth, "123"))


def test_age_counts_whole_years() -> None:
    rid = _born(date(2000, 6, 15))
    assert rid.age_on(date(2020, 6, 14)) == 19
    assert rid.age_on(date(2020, 6, 15)) == 20


def test_leap_day_birthday_comes_on_first_of_march_in_common_years() -> None:
    rid = _born(date(2004, 2, 29))
    assert rid.age_on(date(2022, 2, 28)) == 17
    assert rid.age_on(date(2022, 3, 1)) == 18


def test_exactly_eighteen_today_is_accepted() -> None:
    assert validate_borrower_age(_born(date(2006, 5, 15)), date(2024, 5, 15)) == 18


def test_day_before_eighteenth_birthday_is_rejected() -> None:
    with pytest.raises(IdentityError) as err:
        validate_borrower_age(_born(date(2006, 5, 15)), date(2024, 5, 14))
    assert (err.value.code, err.value.field) == ("AGE_OUT_OF_RANGE", "idNumber")


def test_sixty_is_accepted() -> None:
    rid = _born(date(1964, 5, 15))
    assert validate_borrower_age(rid, date(2024, 5, 15)) == 60
    assert validate_borrower_age(rid, date(2025, 5, 14)) == 60


def test_sixty_one_is_rejected() -> None:
    with pytest.raises(IdentityError) as err:
        validate_borrower_age(_born(date(1964, 5, 15)), date(2025, 5, 15))
    assert err.value.code == "AGE_OUT_OF_RANGE"


def test_age_limits_can_be_changed() -> None:
    rid = _born(date(2005, 1, 1))
    assert validate_borrower_age(rid, date(2023, 1, 1), min_age=16, max_age=20) == 18
    with pytest.raises(IdentityError):
        validate_borrower_age(rid, date(2023, 1, 1), min_age=22)


def test_mask_id_number() -> None:
    assert mask_id_number("110105199001011234") == "110***********1234"
    assert len(mask_id_number("11010519491231002X")) == 18


def test_mask_phone() -> None:
    assert mask_phone("13800001234") == "138****1234"


@pytest.mark.parametrize(
    "text",
    [
        "+86 138-0013-8000",
        "13800138000",
        "86 13800138000",
        "8613800138000",
        "138 0013 8000",
        "＋８６１３８００１３８０００",
    ],
)
def test_normalize_phone(text: str) -> None:
    assert normalize_phone(text) == "13800138000"


@pytest.mark.parametrize(
    "text",
    ["", "12800138000", "1380013800", "138001380001", "010-62345678", "+1 415 555 0100", "1380013800a"],
)
def test_bad_phones_rejected(text: str) -> None:
    with pytest.raises(IdentityError) as err:
        normalize_phone(text)
    assert (err.value.code, err.value.field) == ("PHONE_FORMAT", "phone")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  张三 ", "张三"),
        ("欧阳娜娜", "欧阳娜娜"),
        ("阿依古丽·买买提", "阿依古丽·买买提"),
        ("Li  Wei", "Li Wei"),
        ("Zhang San", "Zhang San"),
    ],
)
def test_valid_names(text: str, expected: str) -> None:
    assert validate_name(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "张",
        "A",
        "张三3",
        "张 三",
        "·张三",
        "张三·",
        "张··三",
        "张三Li",
        "O'Brien",
        "x" * 31,
        "Robert; DROP",
    ],
)
def test_invalid_names_rejected(text: str) -> None:
    with pytest.raises(IdentityError) as err:
        validate_name(text)
    assert (err.value.code, err.value.field) == ("NAME_FORMAT", "name")


def test_make_resident_id_rejects_bad_parts() -> None:
    with pytest.raises(ValueError):
        make_resident_id("11010", date(1990, 1, 1), "123")
    with pytest.raises(ValueError):
        make_resident_id("110105", date(1990, 1, 1), "12")


@given(
    region=st.from_regex(r"[0-9]{6}", fullmatch=True),
    birth=st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)),
    seq=st.from_regex(r"[0-9]{3}", fullmatch=True),
)
def test_made_ids_always_parse_with_the_same_birth_date(region: str, birth: date, seq: str) -> None:
    number = make_resident_id(region, birth, seq)
    rid = parse_resident_id(number)
    assert rid.number == number
    assert rid.birth_date == birth
    assert rid.region == region
