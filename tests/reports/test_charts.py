"""The SVG bar charts, as pure rules: every text inside the picture (the
stock-aging value "654,716.2…" and long supplier names were cut off), the
dashed overall line clear of every text, a legend for what the marks mean."""

import re

import pytest

from portal.reports.charts import Bar, Legend, bar_chart, fit, text_width

LONG_NAME = "Guangdong Shenzhen Electronics Manufacturing Group International Co., Ltd. — Ünïcødé"


def _svgs(markup: str) -> list[str]:
    return re.findall(r"<svg.*?</svg>", str(markup), flags=re.S)


def _texts(svg: str):
    """(x from, x to, y, text) of every <text>, measured as the chart measures DejaVu Sans."""
    out = []
    for attrs, content in re.findall(r"<text([^>]*)>([^<]*)</text>", svg):
        x = float(re.search(r' x="([\d.-]+)"', attrs).group(1))
        y = float(re.search(r' y="([\d.-]+)"', attrs).group(1))
        size = float(m.group(1)) if (m := re.search(r'font-size="([\d.]+)"', attrs)) else 12
        bold = "bold" in attrs
        content = content.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&#39;", "'")
        width = text_width(content, size, bold=bold)
        anchor = re.search(r'text-anchor="(\w+)"', attrs)
        start = x - width if anchor and anchor.group(1) == "end" else x
        out.append((start, start + width, y, content))
    return out


def _viewbox(svg: str) -> tuple[float, float]:
    _, _, w, h = map(float, re.search(r'viewBox="([^"]+)"', svg).group(1).split())
    return w, h


@pytest.mark.parametrize("label, value_text", [
    ("over 365 days", "1,204,331 units · 654,716,213.20 EUR"),
    (LONG_NAME, "99.99 % of 1,000,000"),
    ("<script>alert(1)</script>", "="),
])
def test_no_text_leaves_the_picture(label, value_text):
    bars = [Bar(label, 10, value_text, 8, 12.5, flagged=True), Bar("short", 3, "3 units", 1, 4)]
    chart = bar_chart(bars, title="A title that is rather long for a chart of this width, in the narrow layout",
                      reference=6, reference_text="overall 6.00 %",
                      legend=Legend(whisker="95 % interval (Wilson)", reference="overall rate", flagged="▲ above"))
    assert "<script>" not in str(chart)
    for svg in _svgs(chart):
        width, height = _viewbox(svg)
        for start, end, y, text in _texts(svg):
            assert start >= -0.5 and end <= width + 0.5, (text, start, end, width)
            assert 0 < y <= height, (text, y, height)


def test_dashed_line_crosses_no_text():
    bars = [Bar(f"Supplier {n}", rate, f"{rate:.2f} % of 1,000", rate - 1, rate + 1) for n, rate in
            enumerate([9.0, 5.5, 5.0, 4.0, 1.0])]
    chart = bar_chart(bars, title="Defect rate by supplier", reference=5.2, reference_text="overall 5.20 %",
                      legend=Legend(whisker="95 % interval", reference="overall rate"))
    for svg in _svgs(chart):
        line = re.search(r'<path d="([^"]+)" stroke="#000" stroke-width="1" stroke-dasharray', svg).group(1)
        for x, top, bottom in (map(float, s) for s in re.findall(r"M([\d.]+) ([\d.]+)V([\d.]+)", line)):
            for start, end, y, text in _texts(svg):
                if top <= y and y - 12 <= bottom:  # the text's line (baseline y, 12 px high) meets the span
                    assert not start - 1 < x < end + 1, (text, start, end, x)


def test_legend_explains_the_marks():
    chart = str(bar_chart([Bar("A", 1, "1", 0.5, 2, flagged=True)], title="t", reference=1, reference_text="o",
                          legend=Legend(whisker="95 % interval (Wilson)", reference="overall rate",
                                        flagged="▲ black bar: above overall")))
    assert chart.count("95 % interval (Wilson)") == 2  # wide and compact
    assert "overall rate" in chart and "black bar" in chart
    assert 'class="chart chart-wide"' in chart and 'class="chart chart-compact"' in chart


def test_fit_shortens_with_an_ellipsis():
    assert fit("short", 100) == "short"
    shortened = fit(LONG_NAME, 120)
    assert shortened.endswith("…") and text_width(shortened) <= 120
