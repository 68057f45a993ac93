"""Plans and their tasks, as plain data. Pure.

A task keeps the plan's own words (``text``, ``assignees_text``, ``deadline_text``)
beside what they mean (unit ids, deadline specs), so every reply can quote the plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.calendar import DeadlineSpec


class TaskKind(StrEnum):
    TASK = "task"
    REPORT = "report"  # a recurring report sent to ``recipients``


@dataclass(frozen=True)
class Task:
    code: str  # the section path as written, e.g. "II.3.6" — stable within a plan
    section: str  # "II.3"
    title: str  # short, for a phone screen
    text: str  # the plan's words
    lead: tuple[str, ...] = ()  # unit or collective ids (chủ trì)
    coordinating: tuple[str, ...] = ()  # (phối hợp)
    recipients: tuple[str, ...] = ()  # units that receive and compile (tổng hợp)
    assignees_text: str | None = None
    deadline_text: str | None = None
    due: tuple[DeadlineSpec, ...] = ()
    kind: TaskKind = TaskKind.TASK
    number: int = 0  # 1-based position in the plan, for "/update 12 …"


@dataclass(frozen=True)
class Plan:
    id: str
    title: str
    starts: date  # recurring reports run from here …
    ends: date | None = None  # … until the plan is closed; None = open
    number: str | None = None  # "Số 123/KH-UBND"
    issued: date | None = None
    province: str | None = None
    year: int | None = None
    active: bool = True
    tasks: tuple[Task, ...] = ()

    def is_open_on(self, day: date) -> bool:
        return self.starts <= day and (self.ends is None or day <= self.ends)

    def task(self, code: str) -> Task:
        for task in self.tasks:
            if task.code == code:
                return task
        raise KeyError(code)
