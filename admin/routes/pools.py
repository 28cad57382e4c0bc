"""Securitised pools: the list, one pool with its tranches, triggers, composition and periods, the
investor report of one period, and building a new pool (preview first, then create)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin import auth, charts, pool_queries
from admin.pages import N_, int_param, not_found, path_id, redirect, render, translate
from admin.routes import _pool_form as pool_form
from admin.templating import money, money_compact
from domain.errors import DomainError, ValidationFailed
from domain.models import Pool
from domain.money import format_money, from_fen, to_fen
from domain.pools.stats import GroupStats, PoolStats
from domain.services import staff as staff_service
from domain.services.calendar import business_date
from domain.services.pooling.build import Preview, create_pool, preview_pool
from domain.services.pooling.loans import NO_SCORE
from domain.services.pooling.projection import assumptions, project_pool
from domain.services.pooling.spec import criteria_from_json

STATUS_LABELS = {"REVOLVING": N_("Revolving"), "AMORTISING": N_("Amortising"), "CLOSED": N_("Closed")}
STATUS_TONES = {"REVOLVING": "ok", "AMORTISING": "warn", "CLOSED": "muted"}
KIND_LABELS = {"SENIOR": N_("Senior"), "MEZZANINE": N_("Mezzanine"), "SUBORDINATED": N_("Subordinated")}
TRIGGER_LABELS = {"CUMULATIVE_DEFAULT_RATE": N_("Cumulative default rate"),
                  "OVERCOLLATERALISATION": N_("Overcollateralisation")}
BUCKET_LABELS = {"CURRENT": N_("Current"), "1-30": N_("1–30 days"), "31-60": N_("31–60 days"),
                 "61-90": N_("61–90 days"), "90+": N_("Over 90 days")}
GONE_LABELS = {"PAID_OFF": N_("Paid off"), "WRITTEN_OFF": N_("Written off"), "CLAIMED": N_("Claimed")}
REASON_LABELS = {
    "NOT_PERFORMING": N_("Not performing"), "PAST_DUE": N_("Past due"), "NO_BALANCE": N_("No principal left"),
    "TERM_TOO_SHORT": N_("Remaining term too short"), "TERM_TOO_LONG": N_("Remaining term too long"),
    "RATE_BELOW_BAND": N_("Rate below the band"), "RATE_ABOVE_BAND": N_("Rate above the band"),
    "METHOD_EXCLUDED": N_("Method not chosen"), "SCORE_BAND_EXCLUDED": N_("Score band not chosen"),
    "SEGMENT_EXCLUDED": N_("Segment not chosen"), "BORROWER_SHARE": N_("Borrower over the share limit"),
    "OVER_BUDGET": N_("Over the purchase budget"),
}
GROUPS = (("by_method", N_("By repayment method")), ("by_score_band", N_("By score band")),
          ("by_segment", N_("By segment")))


def percent(value: Any, places: int = 2) -> str:
    """A fraction (Decimal, or text as the reports hold it) as a percentage: 0.0525 -> 5.25%."""
    if value is None or value == "":
        return "—"
    pct = Decimal(str(value)) * 100
    return f"{pct.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)}%"


def group_label(request: Request, group: str, key: str) -> str:
    if group == "by_method":
        return translate(request, key)
    if group == "by_segment":
        return translate(request, pool_form.SEGMENT_LABELS.get(key, key))
    return translate(request, "Unscored") if key == NO_SCORE else key


def composition_charts(request: Request, stats: PoolStats) -> dict[str, charts.Chart]:
    """One bar chart of outstanding principal per grouping, in fen so no float draws money."""
    lang = auth.language_of(request)
    out = {}
    for group, _ in GROUPS:
        groups: dict[str, GroupStats] = getattr(stats, group)
        out[group] = charts.bar_chart(
            [group_label(request, group, k) for k in groups],
            [(translate(request, "Outstanding principal"), "s-a", [to_fen(g.balance) for g in groups.values()])],
            fmt=lambda fen: money_compact(fen, lang), value_fmt=money, width=340, height=200)
    return out


def step_label(request: Request, step: str) -> str:
    """A waterfall line ("trustee_fee", "interest:A", ...) in words."""
    kind, _, tranche = step.partition(":")
    words = {"trustee_fee": N_("Trustee fee"), "servicer_fee": N_("Servicer fee"),
             "purchases": N_("Kept to buy loans"), "interest": N_("Interest to %(tranche)s"),
             "principal": N_("Principal to %(tranche)s"), "residual": N_("Residual to %(tranche)s")}
    text = translate(request, words.get(kind, step))
    return text % {"tranche": tranche} if tranche and kind in words else text


def _labels() -> dict[str, Any]:
    return {"status_labels": STATUS_LABELS, "status_tones": STATUS_TONES, "kind_labels": KIND_LABELS,
            "trigger_labels": TRIGGER_LABELS, "bucket_labels": BUCKET_LABELS, "percent": percent}


@auth.guard("read")
async def pool_list(request: Request) -> Response:
    page = await pool_queries.pool_list(int_param(request, "page"))
    return await render(request, "pages/pools/list.html", {"page": page, **_labels()}, section="pools")


@auth.guard("read")
async def pool_page(request: Request) -> Response:
    pool_id = path_id(request)
    settings = auth.settings_of(request)
    detail = await pool_queries.pool_detail(pool_id, await business_date(), settings) if pool_id else None
    if detail is None:
        return await not_found(request)
    return await render(request, "pages/pools/detail.html", {
        "d": detail, "pool": detail.pool, "criteria": criteria_from_json(detail.pool.criteria),
        "charts": composition_charts(request, detail.composition), "groups": GROUPS,
        "group_label": lambda group, key: group_label(request, group, key), "gone_labels": GONE_LABELS,
        "segment_labels": pool_form.SEGMENT_LABELS, "mode_labels": pool_form.MODE_LABELS, **_labels(),
    }, section="pools")


@auth.guard("read")
async def period_page(request: Request) -> Response:
    pool_id = path_id(request)
    number = path_id(request, "n")
    found = await pool_queries.pool_period(pool_id, number) if pool_id and number else None
    if found is None:
        return await not_found(request)
    pool, period = found
    return await render(request, "pages/pools/period.html", {
        "pool": pool, "period": period, "report": period.report or {}, "groups": GROUPS,
        "step_label": lambda step: step_label(request, step),
        "group_label": lambda group, key: group_label(request, group, key), **_labels(),
    }, section="pools")


async def _form_page(request: Request, form: pool_form.PoolForm, *, preview: Preview | None = None,
                     status: int = 200) -> Response:
    settings = auth.settings_of(request)
    t = lambda text: translate(request, text)  # noqa: E731
    return await render(request, "pages/pools/new.html", {
        "form": form, "values": form.values, "errors": form.errors, "preview": preview,
        "sizes": list(zip(form.spec.tranches, preview.tranche_sizes, strict=True)) if preview else [],
        "charts": composition_charts(request, preview.stats) if preview else None,
        "method_options": [(m, t(m)) for m in pool_form.methods()],
        "band_options": [(b, group_label(request, "by_score_band", b)) for b in pool_form.score_bands(settings)],
        "segment_options": [(s, t(pool_form.SEGMENT_LABELS[s])) for s in pool_form.SEGMENTS],
        "mode_options": [(k, t(label)) for k, label in pool_form.MODE_LABELS.items()],
        "reason_labels": REASON_LABELS, "groups": GROUPS,
        "group_label": lambda group, key: group_label(request, group, key), **_labels(),
    }, status=status, section="pools")


@auth.guard("read")
async def new_pool(request: Request) -> Response:
    return await _form_page(request, pool_form.blank())


async def _read(request: Request) -> pool_form.PoolForm:
    return pool_form.read(await request.form(), auth.settings_of(request), lambda text: translate(request, text))


@auth.guard("read")
async def preview(request: Request) -> Response:
    """What the terms would select today; reads only."""
    form = await _read(request)
    if not form.ok:
        return await _form_page(request, form, status=400)
    try:
        result = await preview_pool(form.spec, settings=auth.settings_of(request))
    except ValidationFailed as exc:
        pool_form.refuse(form, exc, lambda text: translate(request, text))
        return await _form_page(request, form, status=400)
    return await _form_page(request, form, preview=result)


@auth.guard("pools.create")
async def create(request: Request) -> Response:
    form = await _read(request)
    t = lambda text: translate(request, text)  # noqa: E731
    if form.ok and await Pool.filter(name=form.spec.name).exists():
        form.errors["name"] = t("A pool with this name exists.")
    if not form.ok:
        return await _form_page(request, form, status=400)
    actor = request.state.staff.actor(request)
    try:
        async with staff_service.audited(actor, "pool.create", "pool") as record:
            pool = await create_pool(form.spec, actor=actor.username, settings=auth.settings_of(request))
            record["target_id"] = pool.id
            record["after"] = {"name": pool.name, "cutOffDate": pool.cut_off_date.isoformat(),
                               "balance": format_money(from_fen(pool.cut_off_balance_fen))}
    except DomainError as exc:
        pool_form.refuse(form, exc, t)
        return await _form_page(request, form, status=400)
    return redirect(request, f"/pools/{pool.id}", "The pool is created and its loans are sold to it.")


# What the projection form starts from: a mild stress, recoveries of 30% three months on.
PROJECTION_DEFAULTS = {"cdr": "0.05", "cpr": "0.10", "recovery_rate": "0.30", "recovery_lag": "3", "periods": ""}
PROJECTION_FIELDS = {"cdr": "cdr", "cpr": "cpr", "recovery_rate": "recoveryRate", "recovery_lag": "recoveryLag",
                     "periods": "periods"}
# The projection's refusals, so the catalogue carries their translations.
PROJECTION_MESSAGES = (N_("a rate between 0 and 1 is expected"), N_("a whole number is expected"),
                       N_("the recovery lag is 0 to 36 periods"), N_("project 1 to 120 periods"))


def _projection_terms(values: dict[str, str]) -> dict[str, Any]:
    """The form's text as the projection's terms; a ValidationFailed names the field."""
    def rate(name: str) -> Decimal:
        try:
            return Decimal(values[name])
        except ArithmeticError as exc:
            raise ValidationFailed("a rate between 0 and 1 is expected", field=PROJECTION_FIELDS[name]) from exc

    def whole(name: str, default: int | None) -> int | None:
        text = values[name]
        if not text:
            return default
        if not text.isdigit() or len(text) > 3:
            raise ValidationFailed("a whole number is expected", field=PROJECTION_FIELDS[name])
        return int(text)

    return {"cdr": rate("cdr"), "cpr": rate("cpr"), "recovery_rate": rate("recovery_rate"),
            "recovery_lag": whole("recovery_lag", 0), "periods": whole("periods", None)}


@auth.guard("read")
async def projection_page(request: Request) -> Response:
    """The pool's loans projected under the assumptions in the query string; reads only."""
    pool = await Pool.get_or_none(id=path_id(request) or 0)
    if pool is None:
        return await not_found(request)
    values = {k: str(request.query_params.get(k, v)).strip()[:12] for k, v in PROJECTION_DEFAULTS.items()}
    errors: dict[str, str] = {}
    flows = None
    try:
        wanted = assumptions(**_projection_terms(values))
        flows = await project_pool(pool.id, wanted, settings=auth.settings_of(request))
    except ValidationFailed as exc:
        names = {field: name for name, field in PROJECTION_FIELDS.items()}
        errors[names.get(exc.field or "", "cdr")] = translate(request, exc.message)
    tranche_names = [t.name for t in flows.periods[0].waterfall.tranches] if flows and flows.periods else []
    return await render(request, "pages/pools/projection.html", {
        "pool": pool, "values": values, "errors": errors, "flows": flows, "tranche_names": tranche_names,
        **_labels(),
    }, status=400 if errors else 200, section="pools")


routes = [
    Route("/pools", pool_list),
    Route("/pools/new", new_pool),
    Route("/pools/new", create, methods=["POST"]),
    Route("/pools/new/preview", preview, methods=["POST"]),
    Route("/pools/{id}", pool_page),
    Route("/pools/{id}/periods/{n}", period_page),
    Route("/pools/{id}/projection", projection_page),
]
