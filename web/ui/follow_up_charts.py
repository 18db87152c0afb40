"""The follow-up's charts, drawn on the server as SVG: no script, so nothing for the
Content-Security-Policy to refuse and nothing to bundle. Each chart is an image with a label
(``role="img"``, ``aria-label``) and has its data table beside it on the page; colours come from
the stylesheet's ``.chart`` classes. A value hidden by the rule on small counts is not drawn (a bar
would give it away): "<5" is written where its bar would be."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from markupsafe import Markup, escape

from web.ui.follow_up_report import Hidden, Report, Value

WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 34, 58


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[Value]


def _number(value: Value) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _ceiling(top: float) -> float:
    """A round top for the axis whose quarters are whole numbers: 4, 8, 12, 20, 40, 60, 80, 120 … at least ``top``."""
    scale = 1.0
    while True:
        for factor in (4, 8, 12, 20, 40, 60, 80):
            if factor * scale >= top:
                return factor * scale
        scale *= 10


def _month_lines(category: str, index: int) -> list[str] | None:
    """A month (YYYY-MM) as its number, with the year under the first and under every January."""
    if len(category) == 7 and category[4] == "-" and category[:4].isdigit():
        return [category[5:], category[:4]] if index == 0 or category.endswith("-01") else [category[5:]]
    return None


def _lines(label: str, width: int) -> list[str]:
    """A label in at most two lines of about ``width`` characters."""
    if len(label) <= width or " " not in label:
        return [label]
    words = label.split()
    first = ""
    while words and len(first) + len(words[0]) < max(width, len(label) // 2 + 1):
        first = f"{first} {words.pop(0)}".strip()
    return [first or words.pop(0), " ".join(words)] if words else [first]


def bar_chart(label: str, categories: Sequence[str], series: Sequence[Series], *, maximum: float | None = None,
              goals: Sequence[float | None] = (), unit: str = "", legend: bool = True) -> Markup:
    """Grouped vertical bars, one group per category, one bar per series (at most three), with the
    goals (if any) as marks across their groups."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    numbers = [n for s in series for n in map(_number, s.values) if n is not None]
    top = maximum or _ceiling(max([*numbers, *(g for g in goals if g is not None), 1.0]))
    group_w = plot_w / max(len(categories), 1)
    bar_w = min(28.0, group_w * 0.8 / max(len(series), 1))
    parts = [f'<svg class="chart" role="img" aria-label="{escape(label)}" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'xmlns="http://www.w3.org/2000/svg" focusable="false">']
    for tick in range(5):
        tick_value = top * tick / 4
        y = TOP + plot_h - plot_h * tick / 4
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="axis" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
                     f'{tick_value:g}{escape(unit)}</text>')
    every = max(1, -(-len(categories) // 16))
    for index, category in enumerate(categories):
        x0 = LEFT + group_w * index + (group_w - bar_w * len(series)) / 2
        for number, s in enumerate(series):
            value = s.values[index]
            x = x0 + bar_w * number
            amount = _number(value)
            if amount is not None:
                height = plot_h * min(amount, top) / top
                parts.append(f'<rect class="bar s{number + 1}" x="{x:.1f}" y="{TOP + plot_h - height:.1f}" '
                             f'width="{bar_w - 2:.1f}" height="{height:.1f}"/>')
            elif isinstance(value, Hidden):
                parts.append(f'<text class="hidden-value" x="{x + bar_w / 2:.1f}" y="{TOP + plot_h - 4:.1f}" '
                             f'text-anchor="middle">{escape(value.text)}</text>')
        goal = goals[index] if index < len(goals) else None
        if goal is not None:
            y = TOP + plot_h - plot_h * min(goal, top) / top
            parts.append(f'<line class="goal" x1="{LEFT + group_w * index + 4:.1f}" '
                         f'x2="{LEFT + group_w * (index + 1) - 4:.1f}" y1="{y:.1f}" y2="{y:.1f}"/>')
        if index % every == 0:
            lines = _month_lines(category, index) or _lines(category, int(group_w / 6.5) or 1)
            for line, text in enumerate(lines):
                parts.append(f'<text class="axis" x="{LEFT + group_w * (index + 0.5):.1f}" '
                             f'y="{TOP + plot_h + 16 + 13 * line}" text-anchor="middle">{escape(text)}</text>')
    parts.append(f'<line class="baseline" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" y2="{TOP + plot_h}"/>')
    if legend:
        x = LEFT
        for number, s in enumerate(series):
            parts.append(f'<rect class="bar s{number + 1}" x="{x}" y="10" width="12" height="12"/>')
            parts.append(f'<text class="legend" x="{x + 16}" y="20">{escape(s.name)}</text>')
            x += 24 + 7 * len(s.name)
        if goals and any(g is not None for g in goals):
            parts.append(f'<line class="goal" x1="{x}" x2="{x + 16}" y1="16" y2="16"/>')
            parts.append(f'<text class="legend" x="{x + 20}" y="20">{escape(_("Mål"))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it is escaped above



def _said(value: Value, unit: str = "") -> str:
    if isinstance(value, Hidden):
        return _("visas inte")
    if value is None:
        return "–"
    return f"{value:g}{unit}" if isinstance(value, float) else f"{value}{unit}"


def charts(report: Report) -> dict[str, Markup]:
    """The page's charts, by the key of the table each belongs beside."""
    outcomes = report.tables["utfall"].rows[:-1]
    names = [str(row[0]) for row in outcomes]
    shares = [row[-2] for row in outcomes]
    goals = [float(g) if isinstance(g, int | float) else None for g in (row[-1] for row in outcomes)]
    said = "; ".join(f"{name} {_said(share, ' %')}" + (f" ({_('mål')} {goal:g} %)" if goal is not None else "")
                     for name, share, goal in zip(names, shares, goals, strict=True))
    months = report.tables["manader"].rows
    bins = report.tables["tid_fordelning"].rows
    period = f"{report.query.first.isoformat()}–{report.query.last.isoformat()}"
    return {
        "utfall": bar_chart(_("Utfall i procent av de avslutade deltagandena, mot insatsens mål: %(said)s.",
                              said=said), names, [Series(_("Andel (%)"), shares)], maximum=100.0, goals=goals,
                            unit=" %"),
        "manader": bar_chart(_("Deltagare månad för månad, %(period)s: startade, avslutade och aktiva vid "
                               "månadens slut. Siffrorna finns i tabellen bredvid.", period=period),
                             [str(m[0]) for m in months],
                             [Series(_("Startade"), [m[1] for m in months]),
                              Series(_("Avslutade"), [m[2] for m in months]),
                              Series(_("Aktiva vid månadens slut"), [m[3] for m in months])]),
        "tid_fordelning": bar_chart(_("Avslutade deltaganden efter antal månader i insatsen. Siffrorna finns i "
                                      "tabellen bredvid."), [str(b[0]) for b in bins],
                                    [Series(_("Antal"), [b[1] for b in bins])], legend=False),
    }
