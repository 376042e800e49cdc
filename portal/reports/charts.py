"""Bar charts drawn by the portal as SVG: the same markup on the page and in
the PDF, readable in black and white (grey bars with a black outline, flagged
bars solid black and marked in the label, intervals as whiskers under the bar).
Every text goes in through ``Markup.format``, which escapes it: supplier names are user input.

Nothing is clipped: texts are measured with DejaVu Sans's advance widths (the
only font on the server, and wider than the usual fallbacks), the label and
value columns are as wide as their longest text, a label too long for its
column is shortened with "…", and the values sit in a column of their own to
the right of the plot, so the dashed reference line and the whiskers never
cross a text. A legend under the chart says what the whiskers, the dashed
line and the black bars mean.

Two layouts in one figure: a wide one (page and PDF) and a compact one for
narrow screens (labels above their bars); the CSS shows one of them.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from markupsafe import Markup

FONT = "DejaVu Sans"
FONT_SIZE = 12
SMALL = 11
ROW = 24
COMPACT_ROW = 40
GAP = 8
WIDE = 720
COMPACT = 340
LEGEND_ROW = 16

# DejaVu Sans advance widths (1/1000 em) of U+0020..U+007E, regular and bold
_REGULAR = [318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636, 636,
            636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531, 1000, 684, 686, 698, 770, 632, 575, 775,
            752, 295, 295, 656, 557, 863, 748, 787, 603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390,
            337, 390, 838, 500, 500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612,
            635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838]
_BOLD = [348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365, 696, 696, 696, 696, 696,
         696, 696, 696, 696, 696, 400, 400, 838, 838, 838, 580, 1000, 774, 762, 734, 830, 683, 683, 821, 837, 372,
         372, 775, 637, 995, 837, 850, 733, 850, 770, 720, 682, 812, 774, 1103, 771, 724, 725, 457, 365, 457, 838,
         500, 500, 675, 716, 593, 716, 678, 435, 716, 712, 343, 343, 665, 343, 1042, 712, 687, 716, 716, 493, 595,
         478, 712, 652, 924, 645, 652, 582, 712, 365, 712, 838]
_OTHER = {"–": 500, "…": 1000, "▲": 769, "·": 318, "€": 636, "%": 950, "\u00a0": 318, "\u202f": 318}


def _advance(char: str, bold: bool) -> int:
    table = _BOLD if bold else _REGULAR
    code = ord(char)
    if 32 <= code < 127:
        return table[code - 32]
    if char in _OTHER:
        return _OTHER[char] + (60 if bold else 0)
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 1000
    if unicodedata.combining(char):
        return 0
    base = unicodedata.normalize("NFD", char)[0]  # an accented letter is as wide as its base letter, near enough
    if base != char and 32 <= ord(base) < 127:
        return table[ord(base) - 32] + 20
    return 1000 if bold else 900  # unknown: assume wide, better too short than clipped


def text_width(text: str, size: float = FONT_SIZE, *, bold: bool = False) -> float:
    """The width in px of ``text`` set in DejaVu Sans at ``size`` px."""
    return sum(_advance(c, bold) for c in text) * size / 1000


def fit(text: str, width: float, size: float = FONT_SIZE, *, bold: bool = False) -> str:
    """``text``, shortened with "…" until it is at most ``width`` px wide."""
    if text_width(text, size, bold=bold) <= width:
        return text
    while text and text_width(text + "…", size, bold=bold) > width:
        text = text[:-1]
    return text.rstrip() + "…"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # printed after the bar, e.g. "1,204 units"
    low: float | None = None  # an interval around the value, drawn as a whisker
    high: float | None = None
    flagged: bool = False


@dataclass(frozen=True)
class Legend:
    whisker: str = ""  # what the whiskers are
    reference: str = ""  # what the dashed line is
    flagged: str = ""  # what a black bar is


def _legend_parts(legend: Legend, y: float, width: float) -> tuple[list[Markup], float]:
    parts, keys = [], []
    if legend.whisker:
        keys.append(("whisker", legend.whisker))
    if legend.reference:
        keys.append(("reference", legend.reference))
    if legend.flagged:
        keys.append(("flagged", legend.flagged))
    for kind, text in keys:
        y += LEGEND_ROW
        mid = y - 4
        if kind == "whisker":
            parts.append(Markup('<path d="M2 {m}H22M2 {t}V{b}M22 {t}V{b}" stroke="#000" stroke-width="1" fill="none"/>'
                                ).format(m=mid, t=mid - 3, b=mid + 3))
        elif kind == "reference":
            parts.append(Markup('<path d="M12 {t}V{b}" stroke="#000" stroke-width="1" stroke-dasharray="4 3" '
                                'fill="none"/>').format(t=mid - 7, b=mid + 5))
        else:
            parts.append(Markup('<rect x="4" y="{y}" width="16" height="10" fill="#000"/>').format(y=mid - 5))
        parts.append(Markup('<text x="30" y="{y}" font-size="{s}" fill="#000">{text}</text>').format(
            y=y, s=SMALL, text=fit(text, width - 32, SMALL)))
    return parts, y


def _svg(bars: list[Bar], *, title: str, width: int, compact: bool, reference: float | None,
         reference_text: str, legend: Legend) -> Markup:
    texts = [b.text for b in bars]
    value_w = max([text_width(t) for t in texts] + [0]) + GAP
    if compact:
        label_w = 0.0
        row = COMPACT_ROW
    else:
        longest = max([text_width(("▲ " if b.flagged else "") + b.label) for b in bars] + [0])
        label_w = min(longest + GAP, width * 0.38)
        row = ROW
    plot = max(width - label_w - value_w - GAP, width * 0.3)
    value_x = label_w + plot + GAP
    value_room = width - value_x
    top = 24 + (18 if reference is not None else 0)
    height = top + row * max(len(bars), 1)
    scale_top = max([b.high if b.high is not None else b.value for b in bars] + [reference or 0, 0]) or 1

    def x(value: float) -> float:
        return round(label_w + plot * max(value, 0) / scale_top, 1)

    body: list[Markup] = [
        Markup('<title>{}</title>').format(title),
        Markup('<text x="0" y="14" font-weight="bold" fill="#000">{}</text>').format(fit(title, width, bold=True)),
    ]
    for index, bar in enumerate(bars):
        y = top + index * row
        label = ("▲ " if bar.flagged else "") + bar.label
        if compact:
            body.append(Markup('<text x="0" y="{ty}" fill="#000">{label}</text>').format(
                ty=y + 12, label=fit(label, width)))
            y += 16
        else:
            body.append(Markup('<text x="{lx}" y="{ty}" text-anchor="end" fill="#000">{label}</text>').format(
                lx=round(label_w - GAP, 1), ty=y + 12, label=fit(label, label_w - GAP)))
        bar_width = max(x(bar.value) - label_w, 0.5 if bar.value > 0 else 0)
        fill = "#000" if bar.flagged else "#bdbdbd"
        body.append(Markup('<rect x="{x}" y="{y}" width="{w}" height="14" fill="{fill}" stroke="#000" '
                           'stroke-width="0.6"/>').format(x=round(label_w, 1), y=y + 1, w=round(bar_width, 1),
                                                          fill=fill))
        if bar.low is not None and bar.high is not None:
            lo, hi, wy = x(bar.low), x(bar.high), y + 19
            body.append(Markup('<path d="M{lo} {wy}H{hi}M{lo} {t}V{b}M{hi} {t}V{b}" stroke="#000" '
                               'stroke-width="1" fill="none"/>').format(lo=lo, hi=hi, wy=wy, t=wy - 3, b=wy + 3))
        body.append(Markup('<text x="{x}" y="{y}" fill="#000">{text}</text>').format(
            x=round(value_x, 1), y=y + 12, text=fit(bar.text, value_room)))
    if reference is not None:
        rx = x(reference)
        # compact: the line stops short of each label line above its bar
        spans = ([(top + i * row + 17, top + (i + 1) * row) for i in range(len(bars))] if compact
                 else [(top - 4, height)])
        path = "".join(f"M{rx} {t}V{b}" for t, b in spans)
        body.append(Markup('<path d="{d}" stroke="#000" stroke-width="1" stroke-dasharray="4 3" '
                           'fill="none"/>').format(d=path))
        text = fit(reference_text, label_w + plot, SMALL)
        room_right = label_w + plot - rx
        if text_width(text, SMALL) + 4 <= room_right:
            anchor, tx = "start", rx + 4
        else:
            anchor, tx = "end", max(rx - 4, text_width(text, SMALL))
        body.append(Markup('<text x="{x}" y="{y}" font-size="{s}" text-anchor="{a}" fill="#000">{text}</text>'
                           ).format(x=round(tx, 1), y=top - 8, s=SMALL, a=anchor, text=text))
    legend_parts, bottom = _legend_parts(legend, height + 4, width)
    body += legend_parts
    height = round(bottom + 6)
    layout = "compact" if compact else "wide"
    return (Markup('<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{layout}" role="img" '
                   'width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="{font}" font-size="{size}" '
                   'aria-label="{title}">').format(layout=layout, w=width, h=height, font=FONT, size=FONT_SIZE,
                                                   title=title)
            + Markup("").join(body) + Markup("</svg>"))


def bar_chart(bars: list[Bar], *, title: str, width: int = WIDE, reference: float | None = None,
              reference_text: str = "", legend: Legend | None = None) -> Markup:
    """A horizontal bar chart, wide and compact; ``reference`` draws a dashed
    line (e.g. the overall rate)."""
    legend = legend or Legend()
    options = {"title": title, "reference": reference, "reference_text": reference_text, "legend": legend}
    return (_svg(bars, width=width, compact=False, **options)
            + _svg(bars, width=COMPACT, compact=True, **options))
