"""The coverage goals of a report's rows, and how many rows met theirs."""

from __future__ import annotations

from dataclasses import dataclass

from teams.models import CoverageGoal
from teams.selectors import coverage_goals_for

from .report import Report


@dataclass(frozen=True)
class RowGoal:
    label: str
    goal: CoverageGoal | None
    coverage_pct: float | None

    @property
    def met(self) -> bool | None:
        return None if self.goal is None else self.goal.meets(self.coverage_pct)


@dataclass(frozen=True)
class ReportGoals:
    rows: dict[int | None, RowGoal]  # by the report row's key

    @property
    def measured(self) -> int:
        """Rows with a goal and someone to interview."""
        return sum(1 for g in self.rows.values() if g.met is not None)

    @property
    def met(self) -> int:
        return sum(1 for g in self.rows.values() if g.met)

    @property
    def shared(self) -> CoverageGoal | None:
        """The one goal every row has (the chart draws it), else None."""
        goals = [g.goal for g in self.rows.values()]
        if not goals or any(g is None for g in goals):
            return None
        return goals[0] if len({g.percent for g in goals}) == 1 else None


def report_goals(report: Report) -> ReportGoals:
    """Each row's goal in force on the report's last day (teams: their own, else their service
    line's, else their office's; service lines: their own, else their office's). Advisers have
    no goal of their own. Two queries at most."""
    goals = coverage_goals_for(
        level=report.level, keys=[row.key for row in report.rows], day=report.end
    )
    return ReportGoals(
        {
            row.key: RowGoal(row.label, goals.get(row.key), row.figures.coverage_pct)
            for row in report.rows
            if row.key in goals
        }
    )
