"""Bar charts drawn by the portal as SVG: the same markup on the page and in
the PDF, readable in black and white (grey bars with a black outline, flagged
bars solid black and marked in the label, intervals as whiskers under the bar).
Every text goes in through ``Markup.format``, which escapes it: supplier names are user input.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

FONT = "DejaVu Sans"
LABEL_WIDTH = 200
VALUE_WIDTH = 150
ROW = 24
TOP = 30
MAX_LABEL = 26


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # printed after the bar, e.g. "1,204 units"
    low: float | None = None  # an interval around the value, drawn as a whisker
    high: float | None = None
    flagged: bool = False


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def bar_chart(bars: list[Bar], *, title: str, width: int = 720, reference: float | None = None,
              reference_text: str = "") -> Markup:
    """A horizontal bar chart; ``reference`` draws a dashed line (e.g. the overall rate)."""
    plot = width - LABEL_WIDTH - VALUE_WIDTH
    height = TOP + ROW * max(len(bars), 1) + 12
    scale_top = max([b.high if b.high is not None else b.value for b in bars] + [reference or 0, 0]) or 1
    x0 = LABEL_WIDTH

    def x(value: float) -> float:
        return round(x0 + plot * max(value, 0) / scale_top, 1)

    parts = [
        Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{w}" height="{h}" '
            'viewBox="0 0 {w} {h}" font-family="{font}" font-size="12" aria-label="{title}">'
        ).format(w=width, h=height, font=FONT, title=title),
        Markup("<title>{}</title>").format(title),
        Markup('<text x="0" y="14" font-weight="bold" fill="#000">{}</text>').format(title),
    ]
    for index, bar in enumerate(bars):
        y = TOP + index * ROW
        label = ("▲ " if bar.flagged else "") + _short(bar.label)
        parts.append(
            Markup('<text x="{lx}" y="{ty}" text-anchor="end" fill="#000">{label}</text>').format(
                lx=LABEL_WIDTH - 8, ty=y + 12, label=label
            )
        )
        bar_width = max(x(bar.value) - x0, 0.5 if bar.value > 0 else 0)
        fill = "#000" if bar.flagged else "#bdbdbd"
        parts.append(
            Markup('<rect x="{x}" y="{y}" width="{w}" height="14" fill="{fill}" stroke="#000" '
                   'stroke-width="0.6"/>').format(x=x0, y=y + 1, w=round(bar_width, 1), fill=fill)
        )
        end = x(bar.value)
        if bar.low is not None and bar.high is not None:
            lo, hi, wy = x(bar.low), x(bar.high), y + 19
            parts.append(
                Markup('<path d="M{lo} {wy}H{hi}M{lo} {t}V{b}M{hi} {t}V{b}" stroke="#000" stroke-width="1" '
                       'fill="none"/>').format(lo=lo, hi=hi, wy=wy, t=wy - 3, b=wy + 3)
            )
            end = max(end, hi)
        parts.append(
            Markup('<text x="{x}" y="{y}" fill="#000">{text}</text>').format(x=round(end + 6, 1), y=y + 12,
                                                                               text=bar.text)
        )
    if reference is not None:
        rx = x(reference)
        parts.append(
            Markup('<path d="M{x} {t}V{b}" stroke="#000" stroke-width="1" stroke-dasharray="4 3" fill="none"/>'
                   ).format(x=rx, t=TOP - 6, b=height - 4)
        )
        parts.append(
            Markup('<text x="{x}" y="{y}" font-size="11" fill="#000">{text}</text>').format(
                x=round(rx + 4, 1), y=TOP - 8, text=reference_text
            )
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


