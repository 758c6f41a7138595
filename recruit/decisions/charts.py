"""Geometry for the decision page's stacked bars. Each panel owns a slot as wide as its share of
ALL the panels' weight, filled as far as its score, in its own colour AND pattern (never
colour alone). A panel without a score leaves its whole slot visibly empty (hatched, with
words): its share is never given to the others. Templates (decisions/_charts.html) draw the
SVG, so every word in it goes through Jinja's escaping."""

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

# Why a panel has no score for a candidate, in the words the pages use.
NOT_SENT, ALL_NOT_SURE, ALL_CONFLICTED = "not_sent", "not_sure", "conflict"
NO_SCORE_WORDS = {
    NOT_SENT: "no score yet",
    ALL_NOT_SURE: "all answers were “not sure”",
    ALL_CONFLICTED: "no score (everyone on it knows this candidate)",
}
NO_SCORE_SENTENCES = {
    NOT_SENT: "{panel} has no score yet (nothing sent)",
    ALL_NOT_SURE: "{panel} has no score (all answers were “not sure”)",
    ALL_CONFLICTED: "{panel} has no score (everyone on it knows this candidate)",
}


def no_score_reason(submitted: int, expected: int, score: float | None) -> str | None:
    """Why a panel has no score for a candidate (a key of NO_SCORE_WORDS); None if it has one."""
    if score is not None:
        return None
    if submitted:
        return ALL_NOT_SURE
    return ALL_CONFLICTED if expected == 0 else NOT_SENT


@dataclass
class Slot:
    """One panel's part of a candidate's bar."""

    label: str
    share: float  # % of all the panels' weight
    score: float | None  # the panel's score, 0–100; None: no score
    style: int
    reason: str | None = None  # why there is no score (NO_SCORE_WORDS)
    x: float = 0.0
    width: float = 0.0  # the whole slot
    filled: float = 0.0  # the part of it the score fills

    @property
    def fill(self) -> str:
        return fill(self.style)

    @property
    def empty(self) -> bool:
        return self.score is None

    @property
    def words(self) -> str:
        """What the slot shows, in words (its <title>, the bar's accessible name)."""
        if self.score is None:
            return NO_SCORE_WORDS[self.reason or NOT_SENT]
        return f"score {self.score:.1f} out of 100"


def fill(style: int) -> str:
    n = style % len(STYLES)
    colour, kind = STYLES[n]
    return colour if kind == "solid" else f"url(#app-pattern-{n})"


def layout(slots: list[Slot]) -> list[Slot]:
    """Place the slots side by side on the bar, each as wide as its share of the weight, and
    fill each as far as its score. Slots of no weight take no room and are left out."""
    total = sum(slot.share for slot in slots)
    x = 0.0
    placed = []
    for slot in slots:
        if slot.share <= 0 or total <= 0:
            continue
        slot.x = x
        slot.width = BAR_WIDTH * slot.share / total
        slot.filled = 0.0 if slot.score is None else slot.width * slot.score / 100
        x += slot.width
        placed.append(slot)
    return placed


def and_list(words: list[str]) -> str:
    """Words joined as people write them: "A", "A and B", "A, B and C"."""
    return " and ".join([", ".join(words[:-1]), words[-1]] if len(words) > 1 else words)


def note(slots: list[Slot]) -> str | None:
    """The words beside a bar with an empty share: which panels the overall score was worked
    out from, and why the others have none. None when every panel has a score."""
    empty = [slot for slot in slots if slot.empty]
    if not empty:
        return None
    scored = [slot.label for slot in slots if not slot.empty]
    if not scored:
        return "No panel has a score yet, so there is no overall score: the bar is empty."
    why = "; ".join(
        NO_SCORE_SENTENCES[slot.reason or NOT_SENT].format(panel=slot.label) for slot in empty
    )
    whose = "Its share" if len(empty) == 1 else "Their shares"
    return (
        f"Worked out from {and_list(scored)} only: {why}. "
        f"{whose} of the bar {'is' if len(empty) == 1 else 'are'} left empty, "
        "not given to the other panels."
    )


def patterns() -> list[tuple[int, str, str]]:
    """(index, colour, kind) of every patterned style, for the page's <defs>."""
    return [(n, colour, kind) for n, (colour, kind) in enumerate(STYLES) if kind != "solid"]
