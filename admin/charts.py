"""Geometry for the server-rendered SVG charts: scales, ticks and shapes, in whole pixels.

Values are integers (fen or counts) and every position is integer arithmetic, so a chart of
money never passes through a float. The templates in components/charts.html only draw."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

LEFT, RIGHT, TOP, BOTTOM = 64, 16, 14, 30


def nice_ceiling(value: int, ticks: int = 4) -> tuple[int, int]:
    """The smallest 1-2-5 step that covers `value` in at most `ticks` steps, and the axis top."""
    if value <= 0:
        return 1, ticks
    magnitude = 1
    while True:
        for base in (1, 2, 5):
            step = base * magnitude
            if step * ticks >= value:
                top = -(-value // step) * step
                return step, top
        magnitude *= 10


@dataclass
class Tick:
    pos: int
    label: str


@dataclass
class Chart:
    width: int
    height: int
    left: int = LEFT
    top: int = TOP
    right: int = 0
    bottom: int = 0
    y_ticks: list[Tick] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    series: list[dict] = field(default_factory=list)
    bars: list[dict] = field(default_factory=list)
    legend: list[dict] = field(default_factory=list)
    title: str = ""
    empty: bool = False


def _frame(width: int, height: int, peak: int, fmt: Callable[[int], str], ticks: int,
           floor: int = 0) -> tuple[Chart, int]:
    chart = Chart(width, height, right=width - RIGHT, bottom=height - BOTTOM)
    step, top_value = nice_ceiling(peak - floor, ticks)
    plot_h = chart.bottom - chart.top
    for k in range(top_value // step + 1):
        value = k * step
        chart.y_ticks.append(Tick(chart.bottom - value * plot_h // top_value, fmt(value + floor)))
    return chart, top_value


def _y(chart: Chart, value: int, top_value: int) -> int:
    return chart.bottom - max(value, 0) * (chart.bottom - chart.top) // top_value


def line_chart(labels: Sequence[str], series: Sequence[tuple[str, str, Sequence[int]]], *,
               fmt: Callable[[int], str] = str, width: int = 640, height: int = 220,
               max_x_labels: int = 8, value_fmt: Callable[[int], str] | None = None, floor: int = 0) -> Chart:
    """series: (name, css class, values) with one value per label; the y axis starts at `floor`."""
    peak = max((max(values, default=0) for _, _, values in series), default=0)
    chart, top_value = _frame(width, height, max(peak, floor + 1), fmt, 4, floor)
    chart.empty = peak == 0
    n = len(labels)
    plot_w = chart.right - chart.left
    xs = [chart.left + (plot_w * i // (n - 1) if n > 1 else plot_w // 2) for i in range(n)]
    every = max(1, -(-n // max_x_labels))
    chart.x_ticks = [Tick(xs[i], labels[i]) for i in range(0, n, every)]
    show = value_fmt or fmt
    for name, css, values in series:
        points = [(xs[i], _y(chart, v - floor, top_value), f"{labels[i]} · {name}: {show(v)}")
                  for i, v in enumerate(values)]
        chart.series.append({"name": name, "cls": css, "dots": points,
                             "points": " ".join(f"{x},{y}" for x, y, _ in points)})
        chart.legend.append({"name": name, "cls": css})
    return chart


def bar_chart(labels: Sequence[str], series: Sequence[tuple[str, str, Sequence[int]]], *,
              fmt: Callable[[int], str] = str, width: int = 420, height: int = 200,
              value_fmt: Callable[[int], str] | None = None, classes: Sequence[str] | None = None) -> Chart:
    """Grouped bars, one group per label; `classes` colours each group (single-series charts)."""
    peak = max((max(values, default=0) for _, _, values in series), default=0)
    chart, top_value = _frame(width, height, peak, fmt, 4)
    chart.empty = peak == 0
    n, k = len(labels), max(len(series), 1)
    slot = (chart.right - chart.left) // max(n, 1)
    gap = max(slot // 5, 2)
    bar_w = max((slot - gap) // k, 1)
    show = value_fmt or fmt
    for i, label in enumerate(labels):
        x0 = chart.left + i * slot + gap // 2
        chart.x_ticks.append(Tick(x0 + bar_w * k // 2, label))
        for j, (name, css, values) in enumerate(series):
            value = values[i]
            y = _y(chart, value, top_value)
            cls = classes[i] if classes and len(series) == 1 else css
            chart.bars.append({"x": x0 + j * bar_w, "y": y, "w": max(bar_w - 1, 1), "h": chart.bottom - y,
                               "cls": cls, "title": f"{label} · {name}: {show(value)}"})
    if len(series) > 1:
        chart.legend = [{"name": name, "cls": css} for name, css, _ in series]
    return chart
