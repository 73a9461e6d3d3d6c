"""The coverage figures of a group of clients, and the levels a report groups them by."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Level = Literal["team", "adviser", "service_line", "office"]
LEVELS: tuple[Level, ...] = ("office", "service_line", "team", "adviser")
Pair = tuple[int, int | None]  # (team id, responsible adviser id) as of a day


@dataclass
class Figures:
    required: int = 0
    covered: int = 0
    overdue: int = 0

    @property
    def coverage(self) -> float | None:
        return self.covered / self.required if self.required else None

    @property
    def coverage_pct(self) -> float | None:
        return None if self.coverage is None else round(100 * self.coverage, 1)

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            self.required + other.required,
            self.covered + other.covered,
            self.overdue + other.overdue,
        )
