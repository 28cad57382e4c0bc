"""Borrower identity: resident ID numbers, mobile numbers and names.

Everything here is pure. Nothing reads the clock: callers pass "today" in, so the
same input always gives the same answer and tests can pin any date.

A mainland resident ID number has 18 characters:

    RRRRRR YYYYMMDD SSS C
    region birth    seq check

The 17th character (last of the sequence) is odd for men and even for women. The
check character is ISO 7064 MOD 11-2 over the first 17 digits, so a single mistyped
digit or two swapped neighbours are always caught.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

ID_FIELD = "idNumber"
PHONE_FIELD = "phone"
NAME_FIELD = "name"

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARACTERS = "10X98765432"

# ASCII classes on purpose: \d would also match Arabic-Indic and other digits.
_FIRST17 = re.compile(r"[0-9]{17}")
_ID_NUMBER = re.compile(r"[0-9]{17}[0-9X]")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")

# Han ideographs as they appear in names, rare characters included: the basic block
# plus extensions A and B-F (people do have names only those extensions can spell).
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0002ebef"
_NAME_DOT = "\u00b7"  # "·", separates the parts of transliterated minority names
_HAN_NAME = re.compile(rf"[{_HAN}]+(?:{_NAME_DOT}[{_HAN}]+)*")
_LATIN_NAME = re.compile(r"[A-Za-z]+(?: [A-Za-z]+)*")
_NAME_MIN, _NAME_MAX = 2, 30


class IdentityError(ValueError):
    """Bad identity input. ``field`` names the form field, ``code`` is stable for clients."""

    def __init__(self, message: str, *, field: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


@dataclass(frozen=True)
class ResidentId:
    number: str
    region: str
    birth_date: date
    sex: str

    def age_on(self, today: date) -> int:
        """Whole years lived on ``today``.

        Someone born on 29 February comes of age on 1 March in common years, because
        (2, 28) still sorts before their (2, 29) birthday.
        """
        had_birthday = (today.month, today.day) >= (self.birth_date.month, self.birth_date.day)
        return today.year - self.birth_date.year - (0 if had_birthday else 1)


def check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits of an ID number."""
    if not _FIRST17.fullmatch(first17):
        raise IdentityError("Expected exactly 17 digits.", field=ID_FIELD, code="ID_FORMAT")
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARACTERS[total % 11]


def parse_resident_id(text: str) -> ResidentId:
    """Validate and normalise an 18-character resident ID number.

    Forgives what people type on phones: full-width characters from a Chinese input
    method, spaces between groups, a lower-case x.
    """
    number = "".join(_fold(text).split()).upper()
    if not _ID_NUMBER.fullmatch(number):
        raise IdentityError(
            "An ID number is 17 digits followed by a digit or X.", field=ID_FIELD, code="ID_FORMAT"
        )
    # Check the checksum before the date: a typo is far more likely than a forged date,
    # and the checksum error tells the borrower to re-read the number.
    if check_character(number[:17]) != number[17]:
        raise IdentityError(
            "The ID number's check character does not match; please re-check it.",
            field=ID_FIELD,
            code="ID_CHECKSUM",
        )
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdentityError(
            "The ID number does not contain a real birth date.", field=ID_FIELD, code="ID_BIRTH_DATE"
        ) from None
    sex = "M" if int(number[16]) % 2 else "F"
    return ResidentId(number=number, region=number[:6], birth_date=birth, sex=sex)


def validate_borrower_age(rid: ResidentId, today: date, *, min_age: int = 18, max_age: int = 60) -> int:
    """Return the borrower's age if it lies in ``[min_age, max_age]`` (both ends allowed)."""
    age = rid.age_on(today)
    if not min_age <= age <= max_age:
        raise IdentityError(
            f"Borrowers must be between {min_age} and {max_age} years old.",
            field=ID_FIELD,
            code="AGE_OUT_OF_RANGE",
        )
    return age


def normalize_phone(text: str) -> str:
    """Reduce a mainland mobile number to its 11 digits.

    Accepts a "+86" or "86" country prefix and the spaces and dashes people use to
    group digits. Landlines and foreign numbers are rejected: the number must take SMS.
    """
    digits = re.sub(r"[\s\-]", "", _fold(text))
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("86") and len(digits) == 13:
        # No valid 11-digit mobile starts with 8, so "86" here can only be a prefix.
        digits = digits[2:]
    if not _MOBILE.fullmatch(digits):
        raise IdentityError(
            "Enter an 11-digit mainland mobile number.", field=PHONE_FIELD, code="PHONE_FORMAT"
        )
    return digits


def validate_name(text: str) -> str:
    """Return the trimmed name if it is written in Chinese characters or in Latin letters.

    Runs of spaces are collapsed to one, so the stored name matches what is printed on
    an ID card however it was typed.
    """
    name = " ".join(_fold(text).split())
    fits = _HAN_NAME.fullmatch(name) or _LATIN_NAME.fullmatch(name)
    if not fits or not _NAME_MIN <= len(name) <= _NAME_MAX:
        raise IdentityError(
            f"A name is {_NAME_MIN} to {_NAME_MAX} Chinese characters (with · between parts) "
            "or Latin letters and spaces.",
            field=NAME_FIELD,
            code="NAME_FORMAT",
        )
    return name


def mask_id_number(number: str) -> str:
    """Show only the first 3 and last 4 characters: ``110***********1234``."""
    if len(number) < 7:
        return "*" * len(number)
    return f"{number[:3]}{'*' * 11}{number[-4:]}"


def mask_phone(phone: str) -> str:
    """Show only the carrier prefix and last 4 digits: ``138****1234``."""
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}****{phone[-4:]}"


def make_resident_id(region: str, birth: date, seq: str) -> str:
    """Build a valid ID number from its parts, check character included."""
    if not re.fullmatch(r"[0-9]{6}", region):
        raise ValueError(f"region must be 6 digits, got {region!r}")
    if not re.fullmatch(r"[0-9]{3}", seq):
        raise ValueError(f"seq must be 3 digits, got {seq!r}")
    if not 1000 <= birth.year <= 9999:
        raise ValueError(f"birth year must have 4 digits, got {birth.year}")
    first17 = f"{region}{birth:%Y%m%d}{seq}"
    return first17 + check_character(first17)


def _fold(text: str) -> str:
    # NFKC turns full-width digits, letters and the ideographic space into their plain
    # forms; it leaves Han characters and the middle dot alone.
    return unicodedata.normalize("NFKC", text)
