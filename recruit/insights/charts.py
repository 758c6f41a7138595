"""Geometry for the insights charts: horizontal bars drawn server-side as SVG, each series in
its own colour AND pattern (the decision page's styles), so that nothing rests on colour
alone. The templates (insights/_charts.html) draw them with role="img", a label that says
every number, and a table beside each chart that says the same."""

from __future__ import annotations

from dataclasses import dataclass, field

from recruit.decisions.charts import fill

LABEL_WIDTH = 0  # each row's words go on their own line above its bars
LABEL_LINE = 26  # the height of that line
BAR_AREA = 470  # the bars' full length
ROW = 30  # height of one bar and the space under it
GAP = 16  # between rows
WIDTH = BAR_AREA + 130  # and room for the value after the bar


@dataclass
class Bar:
    series: str
    value: float | None
    text: str  # the value as shown ("83.3%", "4 days")
    style: int
    y: float = 0.0
    width: float = 0.0

    @property
    def fill(self) -> str:
        return fill(self.style)


@dataclass
class Row:
    label: str
    bars: list[Bar] = field(default_factory=list)
    y: float = 0.0


@dataclass
class Chart:
    title: str
    rows: list[Row]
    series: list[tuple[str, int]]  # (name, style) for the legend
    height: float = 0.0
    width: float = WIDTH
    label_width: float = LABEL_WIDTH
    zero_x: float = LABEL_WIDTH  # where a bar starts (the middle for -1..1)
    diverging: bool = False

    @property
    def summary(self) -> str:
        """Everything the chart shows, in words, for its accessible name."""
        parts = []
        for row in self.rows:
            said = ", ".join(
                (f"{b.series} {b.text}" if len(self.series) > 1 else b.text) for b in row.bars
            )
            parts.append(f"{row.label}: {said}")
        return f"{self.title}. " + "; ".join(parts) if parts else f"{self.title}: nothing yet"


def bar_chart(
    title: str,
    rows: list[tuple[str, list[tuple[float | None, str]]]],
    series: list[str],
    *,
    maximum: float | None = None,
    styles: list[int] | None = None,
) -> Chart:
    """`rows` are (label, [(value, text) per series]); values from 0 to `maximum` (the
    largest value when not given)."""
    styles = styles or list(range(len(series)))
    values = [v for _, bars in rows for v, _ in bars if v is not None]
    top = maximum or (max(values) if values else 1.0) or 1.0
    chart = Chart(title, [], list(zip(series, styles, strict=True)))
    y = 4.0
    for label, bars in rows:
        row = Row(label, y=y)
        y += LABEL_LINE
        for n, (value, text) in enumerate(bars):
            width = 0.0 if value is None else BAR_AREA * max(0.0, min(value, top)) / top
            row.bars.append(Bar(series[n], value, text, styles[n], y=y, width=width))
            y += ROW
        chart.rows.append(row)
        y += GAP
    chart.height = y
    return chart


def diverging_chart(title: str, rows: list[tuple[str, float | None, str]], style: int) -> Chart:
    """Values from −1 to 1 (correlations), drawn left or right of a middle line."""
    chart = Chart(title, [], [("r", style)], diverging=True)
    chart.zero_x = LABEL_WIDTH + BAR_AREA / 2
    y = 4.0
    for label, value, text in rows:
        width = 0.0 if value is None else (BAR_AREA / 2) * abs(max(-1.0, min(1.0, value)))
        bar = Bar("r", value, text, style, y=y + LABEL_LINE, width=width)
        chart.rows.append(Row(label, [bar], y=y))
        y += LABEL_LINE + ROW + GAP
    chart.height = y + 20  # and the −1, 0, 1 under the bars
    return chart


def bar_x(chart: Chart, bar: Bar) -> float:
    if chart.diverging and bar.value is not None and bar.value < 0:
        return chart.zero_x - bar.width
    return chart.zero_x
