"""Bar charts drawn on the server as inline SVG: no script, no inline style (the CSP forbids both), nothing fetched.

A chart is an image with a text alternative: `role="img"`, a <title> and a <desc> that reads out every figure, and a
<title> on each bar for a pointer or a finger. Colours come from the portal's stylesheet (`.chart .bar .bar.alt
.axis .grid`). Pages show the same figures in a table beside the chart, for screen readers and for printing.

Figures are formatted by the caller's `value_format` (the user's locale); the chart only places them.

Drawn for a phone: 320 units wide, each group's name on a line of its own above its bars, so that the page's
stylesheet can show it at least 320 px wide and its 12-unit text is never under 12 px (`.chart` in portal.css: as
wide as its box, up to 30rem). A chart whose every figure is hidden draws nothing: it says why (`all_hidden`).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

WIDTH = 320  # drawn at 320 px or more (portal.css): the 12-unit text is 12 px or more
LEFT = 14  # the scale's first figure, centred on the axis, stays inside
VALUE_ROOM = 64  # right of the longest bar: its figure
TOP = 24  # the scale's figures
LEGEND = 18  # a line per series
LABEL = 18  # the group's name, above its bars
BAR = 16
GAP = 8  # between groups of bars
CHAR = 6.6  # a 12px character, on average: how many fit on a line
SERIES_CLASSES = ("bar", "bar alt")
NONE_TEXT = "—"


def truncate(text: str, room: int) -> str:
    """`text` cut to `room` characters, with an ellipsis, at a space where one is near the end."""
    text = " ".join(text.split())
    if len(text) <= room:
        return text
    cut = text[: room - 1]
    space = cut.rfind(" ")
    if space >= room * 2 // 3:
        cut = cut[:space]
    return cut.rstrip(" ,.;:-·") + "…"


def scale(highest: float, *, whole: bool = False) -> tuple[float, list[float]]:
    """The top of the scale and its ticks (four or five "round" steps) for data whose highest value is `highest`;
    `whole`: the data are counts, so no tick falls between two whole numbers."""
    if highest <= 0 or not math.isfinite(highest):
        return 1.0, [0.0]
    raw = highest / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    if whole:
        step = max(1.0, float(math.ceil(step)))
    count = math.ceil(highest / step - 1e-9)
    return count * step, [round(i * step, 10) for i in range(count + 1)]


def bar_chart(rows: Sequence[tuple[str, float | None]], *, title: str, value_format: Callable[[float], str],
              max_value: float | None = None, description: str = "", chart_id: str | None = None,
              all_hidden: str = "") -> Markup:
    """One bar per row (label, value); None is an empty slot labelled "—" (suppressed, or nothing to compute).
    `max_value` fixes the end of the scale (1 for a rate); else it fits the data. `all_hidden`: what is said instead
    of a chart when every value is None."""
    return grouped_bar_chart([(label, [value]) for label, value in rows], series=[title], title=title,
                             value_format=value_format, max_value=max_value, description=description,
                             chart_id=chart_id, all_hidden=all_hidden)


def grouped_bar_chart(rows: Sequence[tuple[str, Sequence[float | None]]], *, series: Sequence[str], title: str,
                      value_format: Callable[[float], str], max_value: float | None = None, description: str = "",
                      chart_id: str | None = None, all_hidden: str = "") -> Markup:
    """Several bars per row, one per series (`series` names them, in a legend when there is more than one): e.g.
    completion and dropout rate of each group. Where every value is None (each figure hidden under the small-cell
    rule, or nothing to compute), no chart: a paragraph saying so (`all_hidden`) instead."""
    ident = chart_id or "chart-" + hashlib.sha1(title.encode()).hexdigest()[:10]
    many = len(series) > 1
    values = [v for _, vs in rows for v in vs if v is not None]
    if not values:
        return Markup(f'<p class="chart-none" id="{ident}">{escape(all_hidden or NONE_TEXT)}</p>')
    whole = all(float(v).is_integer() for v in values) and max_value is None
    top, ticks = (max_value, _quarters(max_value)) if max_value else scale(max(values, default=0.0), whole=whole)
    left, right = LEFT, WIDTH - VALUE_ROOM
    room = right - left
    head = TOP + (LEGEND * len(series) if many else 0)
    row_height = LABEL + BAR * len(series) + GAP
    height = head + row_height * len(rows) + 2

    def x_of(value: float) -> float:
        return left + room * min(max(value, 0.0), top) / top

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{WIDTH}" height="{height}" '
           f'viewBox="0 0 {WIDTH} {height}" aria-labelledby="{ident}-title {ident}-desc">',
           f'<title id="{ident}-title">{escape(title)}</title>',
           f'<desc id="{ident}-desc">{escape(_describe(rows, series, value_format, description))}</desc>']
    line_room = int((WIDTH - left) / CHAR)
    if many:
        for index, name in enumerate(series):
            y = 4 + index * LEGEND
            out.append(f'<rect class="{SERIES_CLASSES[index % 2]}" x="{left}" y="{y}" width="12" height="12"/>'
                       f'<text x="{left + 16}" y="{y + 6}" dominant-baseline="middle">'
                       f'{escape(truncate(name, line_room - 3))}</text>')
    bottom = head + row_height * len(rows)
    for tick in ticks:
        x = round(x_of(tick), 1)
        out.append(f'<line class="grid" x1="{x}" y1="{head - 4}" x2="{x}" y2="{bottom}"/>'
                   f'<text x="{x}" y="{head - 8}" text-anchor="middle">{escape(value_format(tick))}</text>')
    out.append(f'<line class="axis" x1="{left}" y1="{head - 4}" x2="{left}" y2="{bottom}"/>')
    for number, (label, row_values) in enumerate(rows):
        y = head + number * row_height
        out.append(f'<text class="label" x="{left + 4}" y="{y + LABEL / 2}" dominant-baseline="middle">'
                   f'{escape(truncate(label, line_room))}</text>')
        for index, value in enumerate(row_values):
            name = f"{label} — {series[index]}" if many else label
            bar_y = y + LABEL + index * BAR + 1
            text_y = bar_y + (BAR - 2) / 2
            if value is None:
                out.append(f'<g><title>{escape(name)}: {NONE_TEXT}</title>'
                           f'<text x="{left + 4}" y="{text_y}" dominant-baseline="middle">{NONE_TEXT}</text></g>')
                continue
            shown = escape(value_format(value))
            width = round(x_of(value) - left, 1)
            out.append(f'<rect class="{SERIES_CLASSES[index % 2]}" x="{left}" y="{bar_y}" width="{width}" '
                       f'height="{BAR - 2}"><title>{escape(name)}: {shown}</title></rect>'
                       f'<text x="{round(left + width + 4, 1)}" y="{text_y}" dominant-baseline="middle">{shown}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def _quarters(top: float) -> list[float]:
    return [round(top * i / 4, 10) for i in range(5)]


def _describe(rows: Sequence[tuple[str, Sequence[float | None]]], series: Sequence[str],
              value_format: Callable[[float], str], lead: str) -> str:
    """Every figure in words: what a screen reader says for the picture."""
    parts = []
    for label, row_values in rows:
        shown = [NONE_TEXT if v is None else value_format(v) for v in row_values]
        if len(series) > 1:
            parts.append(f"{label}: " + ", ".join(f"{s} {v}" for s, v in zip(series, shown, strict=False)))
        else:
            parts.append(f"{label}: {shown[0]}")
    return " ".join(filter(None, [lead, "; ".join(parts) + ("." if parts else "")]))


STEP_HEIGHT = 160  # the curve's plot, between the scale's figures above and the days below


def step_chart(points: Sequence[tuple[int, float]], *, title: str, value_format: Callable[[float], str],
               day_format: Callable[[float], str], description: str = "", chart_id: str | None = None,
               none_text: str = "") -> Markup:
    """A survival curve as steps: from (0, 1) the share falls at each (day, share) given and stays level until the
    next, up to the last day given. The share runs 0 to 1 up the chart, days along it. `none_text`: what is said
    instead when there is no step to draw."""
    ident = chart_id or "chart-" + hashlib.sha1(title.encode()).hexdigest()[:10]
    if not points:
        return Markup(f'<p class="chart-none" id="{ident}">{escape(none_text or NONE_TEXT)}</p>')
    last_day = max(day for day, _ in points)
    top_day, day_ticks = scale(float(last_day), whole=True)
    left, right = LEFT + 28, WIDTH - 12  # room on the left for the share's figures
    top, bottom = TOP - 8, TOP - 8 + STEP_HEIGHT
    height = bottom + 24

    def x_of(day: float) -> float:
        return round(left + (right - left) * day / top_day, 1)

    def y_of(share: float) -> float:
        return round(bottom - (bottom - top) * min(max(share, 0.0), 1.0), 1)

    # every step in words: what a screen reader says for the picture
    said = " ".join(filter(None, [description, "; ".join(f"{day_format(d)}: {value_format(v)}" for d, v in points) + "."]))

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{WIDTH}" height="{height}" '
           f'viewBox="0 0 {WIDTH} {height}" aria-labelledby="{ident}-title {ident}-desc">',
           f'<title id="{ident}-title">{escape(title)}</title>',
           f'<desc id="{ident}-desc">{escape(said)}</desc>']
    for share in _quarters(1.0):
        y = y_of(share)
        out.append(f'<line class="grid" x1="{left}" y1="{y}" x2="{right}" y2="{y}"/>'
                   f'<text x="{left - 4}" y="{y}" text-anchor="end" dominant-baseline="middle">'
                   f'{escape(value_format(share))}</text>')
    for day in day_ticks:
        x = x_of(day)
        out.append(f'<line class="grid" x1="{x}" y1="{top}" x2="{x}" y2="{bottom}"/>'
                   f'<text x="{x}" y="{bottom + 14}" text-anchor="middle">{escape(day_format(day))}</text>')
    out.append(f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{bottom}"/>'
               f'<line class="axis" x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}"/>')
    path = [f"M{x_of(0)},{y_of(1.0)}", *(f"H{x_of(day)}V{y_of(now)}" for day, now in points)]
    out.append(f'<path class="line" d="{"".join(path)}"/>')
    for day, now in points:
        out.append(f'<circle class="point" cx="{x_of(day)}" cy="{y_of(now)}" r="3">'
                   f'<title>{escape(day_format(day))}: {escape(value_format(now))}</title></circle>')
    out.append("</svg>")
    return Markup("".join(out))
