"""A reminder occurrence survives its bot being killed: the real ``nhacviec run``
process, on the real clock, expands an occurrence for a unit of a few hundred
officers into the outbox at its first tick, and is SIGKILLed ten times while it
sends, at points drawn from a seed, and restarted each time. In the end every
officer has the reminder, the outbox holds exactly one row per officer, all sent,
and the only repeats are messages in flight at a kill — at most one per kill.

The bot runs on the wall clock, as a deployment does; the world is set around the
moment the test starts, through the settings a deployment would use: the reminder
time is a minute ago, the catch-up window reaches back to the last working day, and
the lead time is chosen so that the unit's next report (III.2, due on the 5th and
22nd) has a reminder on that day. Which reminder that is comes from the pure
schedule, as the bot would compute it.
"""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path

from bot.app import App, running_app
from bot.config import Settings
from bot.members import MemberRole
from bot.reminders import Reminder, ReminderKind, ReminderPolicy, schedule
from tests.fakes.telegram_api import FakeTelegramApi
from tests.reliability.bot_process import bot_process
from tests.reliability.crash_kit import (
    KillPlan,
    bot_settings,
    count_repeats,
    crash_seed,
    kill_repeatedly,
)
from tests.reliability.outbox_kit import (
    accepted_sends,
    describe,
    expected_messages,
    message_of,
    outbox_rows,
)

UNIT = "so-tp"  # reports III.2 on the 5th and 22nd of every month
MEMBERS = 300
SEED = 5  # of the kill points
RUN_TIMEOUT = 300.0  # real seconds for the whole run, a safety net (it took 60-110 s)
MAX_LEAD_DAYS = 30  # the most NHACVIEC_REMINDER_LEAD_DAYS allows


@dataclass(frozen=True)
class Occurrence:
    """The reminder settings that make the bot's first tick find ``reminders``."""

    lead_days: int
    send_time: time
    catch_up_hours: float
    reminders: list[Reminder]

    def settings(self) -> dict[str, str]:
        return {"NHACVIEC_REMINDER_LEAD_DAYS": str(self.lead_days),
                "NHACVIEC_REMINDER_TIME": self.send_time.strftime("%H:%M"),
                "NHACVIEC_REMINDER_CATCHUP_HOURS": str(self.catch_up_hours)}


def _for_every_unit(policy: ReminderPolicy) -> Callable[[str], ReminderPolicy]:
    return lambda _unit: policy


def due_at_start(app: App, now: datetime) -> Occurrence:
    """Settings under which a reminder of ``UNIT`` fell due a moment before ``now``.

    The reminder goes at ``now`` less a minute, on the last working day up to then;
    the catch-up window reaches back to it, with a quarter of an hour to spare (the
    bot starts a few seconds after ``now``) and far from the same time a day
    earlier. The lead time is the one that gives that day a reminder — and one only.
    """
    settings = app.settings
    tz = settings.timezone
    moment = (now.astimezone(tz) - timedelta(minutes=1)).replace(second=0, microsecond=0)
    workdays = app.services.workdays(settings.default_language)
    sent_at = datetime.combine(workdays.on_or_before(moment.date()), moment.time(), tzinfo=tz)
    catch_up = (now - sent_at) / timedelta(hours=1) + 0.25
    start = now - timedelta(hours=catch_up)
    for lead in range(1, MAX_LEAD_DAYS + 1):
        policy = ReminderPolicy((lead,), moment.time(), settings.escalation_time)
        found = [r for r in schedule(app.services.snapshot.plans, app.services.directory,
                                     workdays, tz, start, now, global_policy=policy,
                                     policy_for=_for_every_unit(policy),
                                     units={UNIT})
                 # Escalations go to admins and leads: there are none here.
                 if r.kind is not ReminderKind.ESCALATION]
        if len(found) == 1:
            return Occurrence(lead, moment.time(), round(catch_up, 3), found)
    raise AssertionError(f"no lead time gives {UNIT} one reminder on {sent_at:%d/%m/%Y}")


async def _prepare(url: str) -> tuple[Occurrence, set[str]]:
    """Officers of one unit, and the settings under which their reminder is due."""
    now = datetime.now(Settings().timezone)
    async with running_app(Settings(database_url=url), clock=lambda: now) as app:
        chats = {str(200_000 + n) for n in range(MEMBERS)}
        for chat in sorted(chats):
            await app.services.enroll("telegram", chat, unit_id=UNIT,
                                      role=MemberRole.OFFICER, at=now,
                                      display_name=f"Cán bộ {chat}", chat_id=chat)
        return due_at_start(app, now), chats


@asynccontextmanager
async def _bot(url: str, api: FakeTelegramApi, occurrence: Occurrence,
               log: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    settings = bot_settings(url, api, **occurrence.settings())
    async with bot_process(settings, log, left_running=signal.SIGTERM,
                           imported_ahead=True) as process:
        yield process


async def test_killed_ten_times_mid_reminder(database_url: str, backend: str,
                                             tmp_path: Path) -> None:
    """On SQLite and on PostgreSQL (the ``database_url`` fixture runs it on both)."""
    url = database_url
    log = tmp_path / "bot.log"
    occurrence, chats = await _prepare(url)
    (reminder,) = occurrence.reminders
    plan = KillPlan.draw(crash_seed(SEED), MEMBERS)
    print(f"\n{backend}: {reminder.key} at {reminder.send_at:%d/%m/%Y %H:%M}, "
          f"kill seed {plan.seed}, killed after {list(plan.points)} messages")
    async with FakeTelegramApi() as api:

        def reminded() -> list[tuple[str, str]]:
            """(chat, text) of each message an officer got, in order, repeats included."""
            return [message_of(c) for c in accepted_sends(api)
                    if str(c.params["chat_id"]) in chats]

        # Every message takes a moment, so a kill lands while one is in flight.
        api.fail_next("sendMessage", "slow", times=10 * MEMBERS, delay=0.01)
        async def finished() -> None:
            await api.wait_until(lambda: len({chat for chat, _ in reminded()}) >= MEMBERS,
                                 timeout=RUN_TIMEOUT)

        async with asyncio.timeout(RUN_TIMEOUT):
            lives = await kill_repeatedly(api, plan, lambda: _bot(url, api, occurrence, log),
                                          reminded, finished, timeout=RUN_TIMEOUT)
    rows = await outbox_rows(url)
    # One row per officer, every one sent: the occurrence was expanded once, at the
    # first start, and no restart expanded it again.
    assert Counter(row.status for row in rows) == {"sent": MEMBERS}, log.read_text()[-3000:]
    assert {row.kind for row in rows} == {"reminder"}
    assert {row.chat_id for row in rows} == chats
    assert all(row.key.startswith(f"{reminder.key}/m") for row in rows)
    delivered = Counter(reminded())
    repeats = count_repeats(delivered, expected_messages(rows), lives)
    describe(f"reminder, {backend}", seed=plan.seed, kills=repeats.kills,
             messages=delivered.total(), members=MEMBERS, repeats=repeats.describe())
