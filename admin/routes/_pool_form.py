"""The new-pool form: its fields, their defaults, and the checks that turn what was typed into a
PoolSpec or into one message per field.

Shares, coupons, fees and the daily-rate band are typed as fractions (0.80 is 80%, 0.0005 is
0.05% a day), the way the pool's terms are held; each is checked here so the message can stand
next to its field, and check_spec checks the whole again before anything is read or written."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from admin.pages import N_
from domain.errors import DomainError, ValidationFailed
from domain.money import FEN, rate_to_ppm
from domain.pools.eligibility import Criteria
from domain.pools.waterfall import PrincipalMode, TrancheKind
from domain.rules.schedule import Method
from domain.services.pooling.loans import NO_SCORE
from domain.services.pooling.spec import MAX_FIXED_FEE, PoolSpec, TrancheSpec, check_spec, make_criteria
from domain.settings import Settings

ZERO, ONE = Decimal(0), Decimal(1)
TEXT_MAX = 32
NAME_MAX = 64

# Field -> default. Lists (methods, bands, segments) are chosen with check boxes; none chosen means any.
DEFAULTS: dict[str, str] = {
    "name": "", "max_dpd": "0", "min_term": "1", "max_term": "", "min_rate": "", "max_rate": "", "max_share": "",
    "senior_name": "A", "senior_share": "0.80", "senior_coupon": "0.06",
    "mezz_name": "B", "mezz_share": "0.10", "mezz_coupon": "0.09", "sub_name": "C",
    "trustee_fee": "0.006", "servicer_fee": "0.012", "trustee_fee_fixed": "0.00", "servicer_fee_fixed": "0.00",
    "max_default_rate": "0.05", "min_oc_ratio": "1",
    "revolving_months": "12", "principal_mode": PrincipalMode.SEQUENTIAL.value, "turbo": "",
}
CHOICES = ("methods", "bands", "segments")
# The segments borrowers are registered in (domain.commands.RegisterBorrower and the student rule).
SEGMENTS = ("GENERAL", "STUDENT")
SEGMENT_LABELS = {"GENERAL": N_("General"), "STUDENT": N_("Student")}
MODE_LABELS = {"SEQUENTIAL": N_("Sequential: senior first"), "PRO_RATA": N_("Pro rata")}

# Where check_spec's fields land on the form.
SPEC_FIELDS = {"name": "name", "revolvingMonths": "revolving_months", "trusteeFee": "trustee_fee",
               "servicerFee": "servicer_fee", "trusteeFeeFixed": "trustee_fee_fixed",
               "servicerFeeFixed": "servicer_fee_fixed", "maxDefaultRate": "max_default_rate",
               "minOcRatio": "min_oc_ratio",
               "tranches": "tranches", "criteria": "criteria"}

# The messages of the pool services, so the catalogue carries their translations.
SERVICE_MESSAGES = (
    N_("a pool name has 1-64 characters"),
    N_("the revolving period lasts 0 to 60 months"),
    N_("a fee is a yearly rate from 0 up to 1"),
    N_("a fixed fee is an amount from 0.00 up to 1,000,000.00 a period"),
    N_("the default-rate trigger lies between 0 and 1"),
    N_("the overcollateralisation trigger lies between 0 and 10"),
    N_("a pool has rated tranches followed by exactly one subordinated tranche"),
    N_("tranches run senior, then mezzanine, then subordinated"),
    N_("tranche names are 1-32 characters and differ"),
    N_("each rated tranche takes a share above 0 and below 1"),
    N_("the rated tranches must leave a subordinated share"),
    N_("a coupon is a yearly rate from 0 up to 1"),
    N_("no loan meets the criteria today"),
    N_("a selected loan changed while the pool was made; try again"),
)


def score_bands(settings: Settings) -> list[str]:
    """A, B, ... one band past the last floor (scores under every floor), and loans never scored."""
    return [chr(ord("A") + i) for i in range(len(settings.score_band_floors) + 1)] + [NO_SCORE]


def methods() -> list[str]:
    return [m.value for m in Method]


@dataclass
class PoolForm:
    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)
    spec: PoolSpec | None = None

    @property
    def ok(self) -> bool:
        return not self.errors and self.spec is not None


def blank() -> PoolForm:
    return PoolForm({**DEFAULTS, **{k: [] for k in CHOICES}})


class _Reader:
    """Reads one field at a time; the first problem with a field is the one kept for it."""

    def __init__(self, values: dict[str, Any], t: Callable[[str], str]) -> None:
        self.values = values
        self.t = t
        self.errors: dict[str, str] = {}

    def fail(self, name: str, message: str, **args: Any) -> None:
        self.errors.setdefault(name, self.t(message) % args if args else self.t(message))

    def whole(self, name: str, low: int, high: int, *, optional: bool = False) -> int | None:
        text = self.values[name]
        if optional and text == "":
            return None
        if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
            self.fail(name, N_("Enter a whole number from %(low)s to %(high)s."), low=low, high=high)
            return None
        return int(text)

    def number(self, name: str, *, optional: bool = False) -> Decimal | None:
        text = self.values[name]
        if optional and text == "":
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            self.fail(name, N_("Enter a number such as 0.05."))
            return None
        try:
            rate_to_ppm(value)
        except ValueError:
            self.fail(name, N_("Use at most six decimal places."))
            return None
        except ArithmeticError:  # too large to count in parts per million
            self.fail(name, N_("Enter a number such as 0.05."))
            return None
        return value

    def money(self, name: str, message: str, high: Decimal) -> Decimal | None:
        """An amount in CNY with at most two places, from 0 up to `high`; blank is zero."""
        text = self.values[name] or "0"
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite() or not ZERO <= value <= high or value != value.quantize(FEN):
            self.fail(name, message)
            return None
        return value

    def fraction(self, name: str, message: str, low: Decimal, high: Decimal, *, low_open: bool = False,
                 high_open: bool = False, optional: bool = False) -> Decimal | None:
        value = self.number(name, optional=optional)
        if value is None:
            return None
        below = value <= low if low_open else value < low
        above = value >= high if high_open else value > high
        if below or above:
            self.fail(name, message)
            return None
        return value

    def chosen(self, name: str, allowed: list[str] | tuple[str, ...], message: str) -> frozenset[str] | None:
        picked = self.values[name]
        unknown = [v for v in picked if v not in allowed]
        if unknown:
            self.fail(name, message, value=", ".join(unknown))
            return None
        return frozenset(picked) if picked else None


def read(form: Any, settings: Settings, t: Callable[[str], str]) -> PoolForm:
    """The submitted form as values to show again, with each field's error or a checked spec."""
    values: dict[str, Any] = {k: str(form.get(k, "")).strip()[:NAME_MAX if k == "name" else TEXT_MAX]
                              for k in DEFAULTS}
    for k in CHOICES:
        values[k] = [str(v)[:TEXT_MAX] for v in form.getlist(k)][:20]
    r = _Reader(values, t)

    name = values["name"]
    if not name:
        r.fail("name", N_("Give the pool a name of up to 64 characters."))
    max_dpd = r.whole("max_dpd", 0, 365)
    min_term = r.whole("min_term", 0, 120)
    max_term = r.whole("max_term", 0, 120, optional=True)
    if min_term is not None and max_term is not None and max_term < min_term:
        r.fail("max_term", N_("The longest remaining term must not be shorter than the shortest."))
    daily = N_("Enter a daily rate from 0 up to 1, such as 0.0005.")
    min_rate = r.fraction("min_rate", daily, ZERO, ONE, high_open=True, optional=True)
    max_rate = r.fraction("max_rate", daily, ZERO, ONE, high_open=True, optional=True)
    if min_rate is not None and max_rate is not None and max_rate < min_rate:
        r.fail("max_rate", N_("The top of the rate band must not be below its bottom."))
    max_share = r.fraction("max_share", N_("Enter a share above 0 and at most 1, such as 0.05."), ZERO, ONE,
                           low_open=True, optional=True)
    chosen_methods = r.chosen("methods", methods(), N_("Unknown repayment method: %(value)s."))
    bands = r.chosen("bands", score_bands(settings), N_("Unknown score band: %(value)s."))
    segments = r.chosen("segments", SEGMENTS, N_("Unknown segment: %(value)s."))

    share = N_("Enter a share above 0 and below 1, such as 0.80.")
    coupon = N_("Enter a yearly rate from 0 up to 1, such as 0.06.")
    senior_share = r.fraction("senior_share", share, ZERO, ONE, low_open=True, high_open=True)
    senior_coupon = r.fraction("senior_coupon", coupon, ZERO, ONE, high_open=True)
    with_mezz = values["mezz_share"] != ""
    mezz_share = r.fraction("mezz_share", share, ZERO, ONE, low_open=True, high_open=True, optional=True)
    mezz_coupon = r.fraction("mezz_coupon", coupon, ZERO, ONE, high_open=True) if with_mezz else ZERO
    if senior_share is not None and mezz_share is not None and senior_share + mezz_share >= 1:
        r.fail("mezz_share", N_("The senior and mezzanine shares must leave a share for the subordinated tranche."))
    names = [values["senior_name"], values["sub_name"]] + ([values["mezz_name"]] if with_mezz else [])
    for key in ("senior_name", "mezz_name", "sub_name"):
        if (key != "mezz_name" or with_mezz) and not values[key]:
            r.fail(key, N_("Give the tranche a name."))
    if all(names) and len(set(names)) != len(names):
        r.fail("sub_name", N_("Each tranche needs its own name."))

    fee = N_("Enter a yearly rate from 0 up to 1, such as 0.006.")
    trustee_fee = r.fraction("trustee_fee", fee, ZERO, ONE, high_open=True)
    servicer_fee = r.fraction("servicer_fee", fee, ZERO, ONE, high_open=True)
    fixed = N_("Enter an amount a period from 0.00 up to 1,000,000.00, such as 2500.00.")
    trustee_fixed = r.money("trustee_fee_fixed", fixed, MAX_FIXED_FEE)
    servicer_fixed = r.money("servicer_fee_fixed", fixed, MAX_FIXED_FEE)
    max_default = r.fraction("max_default_rate", N_("Enter a rate from 0 to 1, such as 0.05."), ZERO, ONE)
    min_oc = r.fraction("min_oc_ratio", N_("Enter a ratio from 0 to 10, such as 1.05."), ZERO, Decimal(10))
    revolving = r.whole("revolving_months", 0, 60)
    mode = values["principal_mode"]
    if mode not in MODE_LABELS:
        r.fail("principal_mode", N_("Choose sequential or pro rata."))

    result = PoolForm(values, r.errors)
    if r.errors:
        return result
    tranches = [TrancheSpec(values["senior_name"], TrancheKind.SENIOR, senior_share, senior_coupon)]
    if with_mezz:
        tranches.append(TrancheSpec(values["mezz_name"], TrancheKind.MEZZANINE, mezz_share, mezz_coupon))
    tranches.append(TrancheSpec(values["sub_name"], TrancheKind.SUBORDINATED))
    try:
        criteria: Criteria = make_criteria(
            max_dpd=max_dpd, min_remaining_term_months=min_term, max_remaining_term_months=max_term,
            min_daily_rate=min_rate, max_daily_rate=max_rate, max_borrower_share=max_share,
            methods=chosen_methods, score_bands=bands, segments=segments)
        result.spec = check_spec(PoolSpec(
            name=name, criteria=criteria, tranches=tuple(tranches), revolving_months=revolving,
            principal_mode=PrincipalMode(mode), turbo=values["turbo"] == "on", trustee_fee=trustee_fee,
            servicer_fee=servicer_fee, trustee_fee_fixed=trustee_fixed, servicer_fee_fixed=servicer_fixed,
            max_default_rate=max_default, min_oc_ratio=min_oc))
    except ValidationFailed as exc:
        refuse(result, exc, t)
    return result


def refuse(form: PoolForm, exc: DomainError, t: Callable[[str], str]) -> None:
    """A service's refusal, shown next to the field it names (or above the form)."""
    form.errors[SPEC_FIELDS.get(exc.field or "", "form")] = t(exc.message)
    form.spec = None
