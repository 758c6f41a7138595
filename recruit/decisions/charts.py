"""Geometry for the decision page's stacked bars: each panel's contribution in its own
colour AND pattern (never colour alone). Templates (decisions/_charts.html) draw the SVG,
so every word in it goes through Jinja's escaping."""

from __future__ import annotations

from dataclasses import dataclass

# Colours with at least 3:1 contrast against white, each paired with a pattern.
STYLES = [
    ("#00594f", "solid"),
    ("#b58840", "stripes"),
    ("#5694ca", "dots"),
    ("#912b88", "cross"),
    ("#d4351c", "grid"),
    ("#505a5f", "waves"),
]
BAR_WIDTH = 600


@dataclass
class Segment:
    label: str
    value: float
    style: int
    x: float = 0.0
    width: float = 0.0

    @property
    def fill(self) -> str:
        return fill(self.style)


def fill(style: int) -> str:
    n = style % len(STYLES)
    colour, kind = STYLES[n]
    return colour if kind == "solid" else f"url(#app-pattern-{n})"


def layout(segments: list[Segment]) -> list[Segment]:
    """Place the non-empty segments side by side on a 0–100 bar."""
    x = 0.0
    placed = []
    for segment in segments:
        if not segment.value:
            continue
        segment.x = x
        segment.width = BAR_WIDTH * segment.value / 100
        x += segment.width
        placed.append(segment)
    return placed


def patterns() -> list[tuple[int, str, str]]:
    """(index, colour, kind) of every patterned style, for the page's <defs>."""
    return [(n, colour, kind) for n, (colour, kind) in enumerate(STYLES) if kind != "solid"]
