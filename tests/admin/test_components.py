"""The console's building blocks that need no database: chart geometry, number formatting,
roles, and the message catalogues."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from babel.messages.pofile import read_po

from admin import charts, i18n
from admin.roles import PERMISSIONS, RANK, allowed
from admin.templating import environment, money, money_compact, pct, rate_ppm

CATALOGUES = Path(i18n.__file__).parent


def test_axis_tops_are_round_numbers_just_above_the_peak():
    # 1-2-5 steps, at most four of them: 37 -> step 10, top 40; 1,234 -> step 500, top 1,500.
    assert charts.nice_ceiling(37) == (10, 40)
    assert charts.nice_ceiling(1234) == (500, 1500)
    assert charts.nice_ceiling(80_000_000) == (20_000_000, 80_000_000)
    assert charts.nice_ceiling(0) == (1, 4)


def test_bar_heights_are_proportional_to_the_values():
    chart = charts.bar_chart(["a", "b", "c"], [("n", "s-a", [10, 20, 40])], width=300, height=230)
    # Plot height is 230 - 30 (bottom) - 14 (top) = 186 px; the axis top is 40.
    assert [b["h"] for b in chart.bars] == [186 * 10 // 40, 186 * 20 // 40, 186]
    assert [t.label for t in chart.y_ticks] == ["0", "10", "20", "30", "40"]


def test_a_line_chart_has_one_point_per_label_from_the_left_edge_to_the_right():
    chart = charts.line_chart(["d1", "d2", "d3"], [("x", "s-a", [0, 5, 10])], width=300, height=230)
    xs = [x for x, _, _ in chart.series[0]["dots"]]
    assert xs == [charts.LEFT, charts.LEFT + (300 - charts.RIGHT - charts.LEFT) // 2, 300 - charts.RIGHT]
    assert chart.series[0]["dots"][0][1] == 230 - charts.BOTTOM  # zero sits on the x axis


def test_money_is_shown_with_separators_and_two_places_from_fen_or_yuan():
    assert money(123456789) == "1,234,567.89"
    assert money(Decimal("-5.5")) == "-5.50"
    assert money("1000") == "1,000.00"
    assert money(None) == "—"
    assert money_compact(12_345_600, "zh") == "12.3万"
    assert money_compact(12_345_600, "en") == "123.5k"
    assert rate_ppm(350) == "0.035%"
    assert pct(123_456) == "12.3%"


def test_roles_are_ranked_and_every_permission_belongs_to_a_role():
    assert set(PERMISSIONS.values()) <= set(RANK)
    assert allowed("admin", "staff.manage") and not allowed("risk", "staff.manage")
    assert allowed("risk", "pii.full") and not allowed("operator", "pii.full")
    assert allowed("operator", "lines.act") and not allowed("viewer", "lines.act")
    assert not allowed(None, "read") and not allowed("root", "read")


def test_every_message_has_a_chinese_translation():
    with (CATALOGUES / "zh_CN" / "LC_MESSAGES" / "admin.po").open("rb") as fh:
        catalog = read_po(fh)
    untranslated = [m.id for m in catalog if m.id and not m.string]
    assert untranslated == []
    # Placeholders survive translation.
    for m in catalog:
        if m.id:
            assert set(re.findall(r"%\(\w+\)s", m.id)) == set(re.findall(r"%\(\w+\)s", m.string)), m.id


def test_every_template_message_is_in_the_catalogue():
    with (CATALOGUES / "zh_CN" / "LC_MESSAGES" / "admin.po").open("rb") as fh:
        known = {m.id for m in read_po(fh)}
    pattern = re.compile(r"""_\(\s*"([^"]+)"|_\(\s*'([^']+)'""")
    missing = set()
    for template in (Path(i18n.__file__).parent.parent / "templates").rglob("*.html"):
        for match in pattern.finditer(template.read_text()):
            text = match.group(1) or match.group(2)
            if text not in known:
                missing.add((template.name, text))
    assert missing == set()


def test_components_open_with_a_comment_naming_what_they_take():
    for template in (Path(i18n.__file__).parent.parent / "templates").rglob("*.html"):
        assert template.read_text().startswith("{#-"), template


def test_the_chinese_environment_translates_and_the_english_one_does_not():
    zh, en = environment("zh"), environment("en")
    source = '{{ _("Dashboard") }} {{ _("%(n)s loans", n=3) }}'
    assert zh.from_string(source).render() == "仪表盘 3 笔"
    assert en.from_string(source).render() == "Dashboard 3 loans"
