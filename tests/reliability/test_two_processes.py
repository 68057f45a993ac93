"""Two, and three, real bot processes on one PostgreSQL, over a simulated month
(January 2027: the 05/01, 15/01, 22/01 and 30/01 report cycles), send every reminder
exactly once and together stay under Telegram's global rate limit — counted at the
fake Bot API.

The test process seeds the database (units, the seed plan, officers, groups, admins),
runs the fake Bot API and starts two or three ``tests.reliability.worker`` processes
that tick and drain on a shared simulated clock. What should arrive is computed
independently, from the pure schedule (``bot.reminders.schedule``) and the recipients
made here; what did arrive is what the fake server recorded, matched to the outbox
rows one by one.

Each worker reaches the fake through its own ``Doorway``, a forwarding proxy: that is
how the test knows which process sent what, and how it can hold back the answer to a
message the platform has already carried out — the message in flight when the
process is killed, the one duplicate a crash may cost.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

import aiohttp
import asyncpg
import pytest
from aiohttp import web
from sqlalchemy.engine import make_url

from bot.app import running_app
from bot.config import Settings
from bot.members import MemberRole
from bot.reminders import ReminderKind, ReminderPolicy, schedule
from tests.fakes.telegram_api import Call, FakeTelegramApi
from tests.fakes.telegram_faults import FloodLimits
from tests.reliability.outbox_kit import (
    Row,
    deliveries,
    describe,
    expected_messages,
    outbox_rows,
)
from tests.reliability.worker import Peers, SharedClock, prepare_run

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
START = datetime(2027, 1, 1, tzinfo=HANOI)
END = datetime(2027, 2, 1, tzinfo=HANOI)
SEEDED_AT = START - timedelta(days=3)
# Reminders go at 08:00 and 16:00; a tick every two hours enqueues each within two
# hours of its time, well inside the catch-up window, and keeps the run short.
STEP_MINUTES = 120
STEPS = 31 * 24 * 60 // STEP_MINUTES + 1  # both ends of the month included
LEASE_SECONDS = 60  # short, and on the simulated clock: a takeover costs no real time
RUN_TIMEOUT = 360.0  # real seconds for a whole run, a safety net: it takes a fraction of that
TELEGRAM_GLOBAL_PER_SECOND = 30

# Nine units report on the 5th and 22nd (III.2), three expert teams on the 15th and
# 30th (II.3.6); five officers each. Three units have a group, the province has one.
# A III.2 reminder is then some 48 messages at one moment: more than Telegram's 30/s
# lets through at once, so the shared rate limit is put to the test.
UNITS = ("so-tp", "so-tc", "so-xd", "so-yt", "so-ct", "so-gddt", "cong-an",
         "ubnd-tp-bac-ninh", "ubnd-h-tien-du", "to-cg-1", "to-cg-2", "to-cg-3")
OFFICERS_PER_UNIT = 5
GROUP_UNITS = ("so-tp", "ubnd-tp-bac-ninh", "to-cg-1")
PROVINCE_CHAT = -1001000000999
ADMIN_CHATS = (9001, 9002)


@dataclass(frozen=True)
class Recipients:
    officers: dict[str, list[int]]  # unit id → private chat ids
    groups: dict[str, int]  # unit id → its group's chat id
    province: int
    admins: tuple[int, ...]


def _recipients() -> Recipients:
    officers = {unit: [10_000 + 100 * u + i for i in range(OFFICERS_PER_UNIT)]
                for u, unit in enumerate(UNITS)}
    groups = {unit: -1001000000001 - g for g, unit in enumerate(GROUP_UNITS)}
    return Recipients(officers, groups, PROVINCE_CHAT, ADMIN_CHATS)


async def _reset_schema(url: str) -> None:
    server = make_url(url)
    connection = await asyncpg.connect(host=server.host, port=server.port,
                                       user=server.username, password=server.password,
                                       database=server.database, timeout=5)
    try:
        await connection.execute("DROP SCHEMA public CASCADE")
        await connection.execute("CREATE SCHEMA public")
    finally:
        await connection.close()


async def seed_and_expect(url: str, people: Recipients) -> Counter[str]:
    """Migrate and seed the database as a deployment would; how many reminders each
    chat must get in the month, from the pure schedule."""
    settings = Settings(database_url=url)
    async with running_app(settings, clock=lambda: SEEDED_AT) as app:
        for unit, chats in people.officers.items():
            for chat in chats:
                await app.services.enroll("telegram", str(chat), unit_id=unit,
                                          role=MemberRole.OFFICER, at=SEEDED_AT,
                                          display_name=f"Cán bộ {chat}", chat_id=str(chat))
        for chat in people.admins:
            await app.services.enroll("telegram", str(chat), unit_id=None,
                                      role=MemberRole.ADMIN, at=SEEDED_AT,
                                      display_name=f"Quản trị {chat}", chat_id=str(chat))
        for unit, chat in people.groups.items():
            await app.usecases.groups.bind("telegram", str(chat), title=f"Nhóm {unit}",
                                           unit_id=unit, bound_by="test", now=SEEDED_AT)
        await app.usecases.groups.bind("telegram", str(people.province), title="Toàn tỉnh",
                                       unit_id=None, bound_by="test", now=SEEDED_AT)
        # The first tick has no previous one: it looks back over the catch-up window.
        # The ticks then enqueue every reminder soon after its time, so the engine's
        # catch-up rules drop only what fell due before the 1st.
        policy = ReminderPolicy(settings.reminder_lead_days, settings.reminder_time,
                                settings.escalation_time)
        services = app.services
        reminders = [
            r for r in schedule(services.snapshot.plans, services.directory,
                                services.workdays(settings.default_language),
                                settings.timezone,
                                START - timedelta(hours=settings.reminder_catchup_hours), END,
                                global_policy=policy, policy_for=lambda _: policy)
            if r.due >= START.date()
        ]
    expected: Counter[str] = Counter()
    moments = set()
    for reminder in reminders:
        if reminder.kind is ReminderKind.ESCALATION:
            expected.update(str(chat) for chat in people.admins)
            continue
        (unit,) = reminder.units
        expected.update(str(chat) for chat in people.officers.get(unit, ()))
        if unit in people.groups:
            expected[str(people.groups[unit])] += 1
        # The province's group hears of every unit's reminders, once per moment.
        moments.add((reminder.occurrence_key, reminder.kind, reminder.lead, reminder.send_at))
    expected[str(people.province)] = len(moments)
    return expected


@pytest.fixture
async def month(postgres_url: str) -> tuple[str, Counter[str]]:
    """A freshly seeded database and the reminders each chat must get in January."""
    # Reset at the start, not the end: a failed run leaves its rows to look at.
    await _reset_schema(postgres_url)
    return postgres_url, await seed_and_expect(postgres_url, _recipients())


class Doorway:
    """One worker's way to the fake Bot API: forwards every request as it is, and
    counts the messages the platform accepted from this worker.

    ``hold_next_send`` makes it keep back the answer to the next accepted message:
    the platform has delivered it, the bot never hears so — a message in flight.
    """

    def __init__(self, name: str, upstream: str) -> None:
        self.name = name
        self.upstream = upstream
        self.accepted = 0
        self.held = asyncio.Event()
        self.held_message: tuple[str, str] | None = None
        self._hold = False
        self._release = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self._port = 0

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self._port}/bot"

    async def start(self) -> None:
        self._client = aiohttp.ClientSession()
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None,
                                     shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()
        if self._client is not None:
            await self._client.close()

    def hold_next_send(self) -> None:
        self._hold = True

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._client is not None
        body = await request.read()
        headers = {name: request.headers[name] for name in ("Content-Type",)
                   if name in request.headers}
        async with self._client.request(request.method, self.upstream + request.path_qs,
                                        data=body, headers=headers) as answer:
            status, content, content_type = answer.status, await answer.read(), \
                answer.content_type
        if request.path.endswith("/sendMessage") and status == 200:
            self.accepted += 1
            if self._hold:
                self._hold = False
                form = parse_qs(body.decode())  # PTB posts url-encoded forms
                self.held_message = (str(int(form["chat_id"][0])), form["text"][0])
                self.held.set()
                await self._release.wait()  # until the test has killed the sender
        return web.Response(body=content, status=status, content_type=content_type)


@dataclass
class Worker:
    name: str
    doorway: Doorway
    process: asyncio.subprocess.Process
    output: asyncio.Task[tuple[bytes, bytes]]
    killed: bool = False

    async def summary(self) -> dict[str, Any]:
        stdout, _ = await self.output
        return dict(json.loads(stdout.decode().strip().splitlines()[-1]))

    async def stderr_tail(self) -> str:
        _, stderr = await self.output
        return f"--- {self.name} (exit {self.process.returncode}) ---\n" + \
            "\n".join(stderr.decode(errors="replace").splitlines()[-30:])


@dataclass
class Run:
    api: FakeTelegramApi
    clock: SharedClock
    sync_dir: Path
    database_url: str
    workers: list[Worker] = field(default_factory=list)
    doorways: list[Doorway] = field(default_factory=list)

    async def launch(self, name: str, seed: int) -> Worker:
        doorway = Doorway(name, self.api.url)
        await doorway.start()
        self.doorways.append(doorway)
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.reliability.worker",
            "--database-url", self.database_url, "--api-url", doorway.api_url,
            "--token", self.api.token, "--start", START.isoformat(),
            "--end", END.isoformat(), "--step-minutes", str(STEP_MINUTES),
            "--sync-dir", str(self.sync_dir), "--name", name,
            "--lease-seconds", str(LEASE_SECONDS), "--seed", str(seed),
            cwd=ROOT, env={**os.environ, "PYTHONPATH": os.pathsep.join(
                filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))},
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        worker = Worker(name, doorway, process, asyncio.create_task(process.communicate()))
        self.workers.append(worker)
        return worker

    async def kill(self, worker: Worker) -> None:
        """SIGKILL: no clean-up of any kind, as when a host dies."""
        worker.killed = True
        worker.process.kill()
        await worker.output

    def strike_off(self, worker: Worker) -> None:
        Peers(self.sync_dir, "test").leave(worker.name)  # the others stop waiting for it

    async def finish(self) -> dict[str, dict[str, Any]]:
        """Wait for every worker; stop at the first that fails. Their summaries."""
        running = {w.output: w for w in self.workers if not w.output.done()}
        async with asyncio.timeout(RUN_TIMEOUT):
            while running:
                done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    worker = running.pop(task)
                    if worker.process.returncode != 0:
                        raise AssertionError(await self.report())
        return {w.name: await w.summary() for w in self.workers if not w.killed}

    async def report(self) -> str:
        for worker in self.workers:
            if worker.process.returncode is None:
                worker.process.kill()
        return "\n".join([await w.stderr_tail() for w in self.workers])

    async def close(self) -> None:
        for worker in self.workers:
            if worker.process.returncode is None:
                worker.process.kill()
        outputs = await asyncio.gather(*(w.output for w in self.workers),
                                       return_exceptions=True)
        # Each worker's log next to the run, to look at after a failure.
        for worker, output in zip(self.workers, outputs, strict=True):
            if isinstance(output, tuple):
                _save(self.sync_dir.parent / f"{worker.name}.log", output[1])
        for doorway in self.doorways:
            await doorway.stop()


def _save(path: Path, content: bytes) -> None:
    path.write_bytes(content)


@asynccontextmanager
async def processes(database_url: str, tmp_path: Path, count: int) -> AsyncIterator[Run]:
    """``count`` workers, w0, w1, …, on one database and one fake Bot API."""
    names = [f"w{n}" for n in range(count)]
    sync_dir = tmp_path / "sync"
    clock = prepare_run(sync_dir, START, names)
    # The platform's flood limits on the simulated clock, where the workers' rate
    # limit lives too: a month runs in seconds of real time.
    async with FakeTelegramApi(clock=clock.seconds) as api:
        api.enforce_limits(global_per_second=TELEGRAM_GLOBAL_PER_SECOND)
        run = Run(api, clock, sync_dir, database_url)
        try:
            for seed, name in enumerate(names, start=1):
                await run.launch(name, seed=seed)
            yield run
        finally:
            await run.close()


# --- what arrived ------------------------------------------------------------------------


def over_global_limit(calls: Iterable[Call]) -> list[Call]:
    """The sends that Telegram's global limit alone would have refused: every attempt
    of all the processes (the ones refused for any reason too, or a refusal would hide
    the excess), replayed in time order through the fake's own model of the limit
    with the per-chat and per-group limits switched off."""
    limits = FloodLimits(TELEGRAM_GLOBAL_PER_SECOND, per_chat_per_second=1e9,
                         per_group_per_minute=1e12)
    return [call for call in sorted(calls, key=lambda c: c.at_monotonic)
            if limits.check(call.method, None, call.at_monotonic) is not None]


def assert_under_global_limit(api: FakeTelegramApi) -> None:
    over = over_global_limit(api.calls_to("sendMessage"))
    assert not over, (f"{len(over)} messages over {TELEGRAM_GLOBAL_PER_SECOND}/s together, "
                      f"the first at simulated second {over[0].at_monotonic:.3f}")


def check_month(rows: list[Row], expected: Counter[str]) -> None:
    """The outbox holds exactly the month's reminders, every one sent."""
    assert Counter(row.status for row in rows) == {"sent": len(rows)}, \
        "rows left pending, sending or failed"
    assert {row.kind for row in rows} == {"reminder"}
    assert len({row.key for row in rows}) == len(rows)
    assert Counter(row.chat_id for row in rows) == expected, \
        "the outbox does not match the schedule"


# --- the tests ---------------------------------------------------------------------------


@pytest.mark.parametrize("count", [2, 3], ids=["two", "three"])
async def test_processes_send_every_reminder_exactly_once(
        month: tuple[str, Counter[str]], tmp_path: Path, count: int) -> None:
    database_url, expected = month
    async with processes(database_url, tmp_path, count) as run:
        summaries = await run.finish()
        rows = await outbox_rows(database_url)
        check_month(rows, expected)
        sent = deliveries(run.api)
        # Exactly once: the platform accepted each row's message once, and nothing else.
        assert sent == expected_messages(rows)
        assert sum(sent.values()) == len(rows) == expected.total()
        # The work was shared, and each process's count agrees three ways: the rows
        # it marked sent, the messages the platform took from it, its own count.
        by_sender = Counter(row.sender for row in rows)
        assert set(by_sender) == {w.name for w in run.workers}
        assert min(by_sender.values()) > 0
        for doorway in run.doorways:
            assert doorway.accepted == by_sender[doorway.name] == \
                summaries[doorway.name]["sent"]
        for summary in summaries.values():
            assert summary["tick_failures"] == summary["drain_failures"] == 0
            assert summary["unquiet_steps"] == 0
            assert summary["ticks"] == STEPS
        assert sum(s["enqueued"] for s in summaries.values()) == len(rows)  # each once
        # Together under the platform's global limit: every attempt of all, replayed.
        assert_under_global_limit(run.api)
        refused = [c for c in run.api.calls_to("sendMessage") if c.status == 429]
        describe(f"{count} processes", messages=len(rows), **by_sender, duplicates=0,
                 refused_429=dict(Counter(str(c.params["chat_id"]) for c in refused)),
                 real_seconds={n: s["real_seconds"] for n, s in summaries.items()})


async def test_a_killed_process_costs_at_most_the_message_in_flight(
        month: tuple[str, Counter[str]], tmp_path: Path) -> None:
    database_url, expected = month
    async with processes(database_url, tmp_path, 2) as run:
        w0 = run.workers[0]
        # Part-way through the month, while both are sending: hold w0's next message
        # after the platform has delivered it, and kill w0 before it hears so.
        await run.api.wait_for("sendMessage", count=expected.total() // 3,
                               predicate=lambda call: call.ok, timeout=120)
        w0.doorway.hold_next_send()
        async with asyncio.timeout(60):
            await w0.doorway.held.wait()
        await run.kill(w0)
        killed_at = run.clock()
        orphans = {row.key for row in await outbox_rows(database_url)
                   if row.status == "sending" and row.sender == "w0"}
        run.strike_off(w0)
        await run.launch("w0b", seed=3)  # the restart
        summaries = await run.finish()
        rows = await outbox_rows(database_url)
        check_month(rows, expected)
        sent = deliveries(run.api)
        assert w0.doorway.held_message is not None
        # Everything arrived; the only message that arrived twice is the one in flight
        # at the kill: its row was taken over once the lease ran out, and sent again.
        # (At most one per kill; exactly one here, as the kill was made to land there.)
        assert not expected_messages(rows) - sent, "a reminder never arrived"
        duplicates = sent - expected_messages(rows)
        assert duplicates == Counter({w0.doorway.held_message: 1})
        assert sum(sent.values()) == len(rows) + 1
        # The dead worker's claimed rows went to the survivors, not lost.
        by_sender = Counter(row.sender for row in rows)
        assert by_sender["w0"] > 0 and by_sender["w1"] > 0
        assert by_sender["w0"] == w0.doorway.accepted - 1  # all but the one it never heard of
        (held,) = [row for row in rows
                   if (row.chat_id, row.texts[0]) == w0.doorway.held_message]
        assert held.sender != "w0" and held.attempts >= 2
        taken_over = [row for row in rows if row.key in orphans]
        assert {row.sender for row in taken_over} <= {"w1", "w0b"}
        for summary in summaries.values():
            assert summary["tick_failures"] == summary["drain_failures"] == 0
        assert_under_global_limit(run.api)
        describe("kill and restart", messages=len(rows), w0=by_sender["w0"],
                 w1=by_sender["w1"], w0b=by_sender["w0b"], duplicates=duplicates.total(),
                 taken_over=len(taken_over), killed_at=killed_at.astimezone(HANOI).isoformat(),
                 real_seconds={n: s["real_seconds"] for n, s in summaries.items()})
