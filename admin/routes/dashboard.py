"""The dashboard: the portfolio at a glance."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin import auth, charts
from admin.pages import N_, render, translate
from admin.templating import money, money_compact
from domain.services import portfolio

BUCKET_LABELS = {"CURRENT": N_("Current"), "M1": N_("M1 (1–30)"), "M2": N_("M2 (31–60)"), "M3": N_("M3 (61–90)"),
                 "M3_PLUS": N_("M3+ (>90)")}
BUCKET_TONES = {"CURRENT": "s-ok", "M1": "s-warn", "M2": "s-warn2", "M3": "s-bad", "M3_PLUS": "s-bad2"}
CLASS_LABELS = {"NORMAL": N_("Normal"), "SPECIAL_MENTION": N_("Special mention"), "SUBSTANDARD": N_("Substandard"),
                "DOUBTFUL": N_("Doubtful"), "LOSS": N_("Loss")}
CLASS_TONES = {"NORMAL": "s-ok", "SPECIAL_MENTION": "s-warn", "SUBSTANDARD": "s-warn2", "DOUBTFUL": "s-bad",
               "LOSS": "s-bad2"}


def share_ppm(part: int, whole: int) -> int:
    return part * 1_000_000 // whole if whole else 0


@auth.guard("read")
async def dashboard(request: Request) -> Response:
    board = await portfolio.dashboard()
    lang = auth.language_of(request)
    t = lambda text: translate(request, text)  # noqa: E731

    def compact(fen: int) -> str:
        return money_compact(fen, lang)

    flows = charts.line_chart(
        [f.day.strftime("%m-%d") for f in board.flows],
        [(t("Disbursed"), "s-a", [f.disbursed_fen for f in board.flows]),
         (t("Repaid"), "s-b", [f.repaid_fen for f in board.flows])],
        fmt=compact, value_fmt=money, width=640, height=240)
    short = [t("Current") if b.key == "CURRENT" else b.key.replace("_PLUS", "+") for b in board.dpd]
    dpd_chart = charts.bar_chart(short,
                                 [(t("Outstanding principal"), "s-a", [b.amount_fen for b in board.dpd])],
                                 fmt=compact, value_fmt=money, classes=[BUCKET_TONES[b.key] for b in board.dpd],
                                 width=460, height=210)
    class_chart = charts.bar_chart([t(CLASS_LABELS[c.key]) for c in board.classes],
                                   [(t("Outstanding principal"), "s-a", [c.amount_fen for c in board.classes])],
                                   fmt=compact, value_fmt=money, classes=[CLASS_TONES[c.key] for c in board.classes],
                                   width=460, height=210)
    score_chart = None
    if board.scores:
        score_chart = charts.bar_chart([str(lo) for lo, _ in board.scores],
                                       [(t("Borrowers"), "s-a", [n for _, n in board.scores])],
                                       width=1040, height=200)
    totals = {
        "disbursed": sum(f.disbursed_fen for f in board.flows),
        "disbursed_n": sum(f.disbursed_count for f in board.flows),
        "repaid": sum(f.repaid_fen for f in board.flows),
        "repaid_n": sum(f.repaid_count for f in board.flows),
    }
    return await render(request, "pages/dashboard.html", {
        "board": board, "flows": flows, "dpd_chart": dpd_chart, "class_chart": class_chart,
        "score_chart": score_chart, "totals": totals, "share_ppm": share_ppm,
        "bucket_labels": BUCKET_LABELS, "class_labels": CLASS_LABELS,
    }, section="dashboard")


routes = [Route("/", dashboard)]
