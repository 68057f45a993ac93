"""One bot process for the multi-process reliability tests — test scaffolding only.

    python -m tests.reliability.worker --database-url postgresql+asyncpg://… \\
        --api-url http://127.0.0.1:8081/bot --token 123:… \\
        --start 2027-01-01T00:00+07:00 --end 2027-02-01T00:00+07:00 --step-minutes 30

It builds the real app (``running_app``) on the given database and the real
``TelegramChannel`` pointed at a (fake) Bot API, then walks *simulated* time from
``--start`` to ``--end``: at every step the reminder engine ticks and the outbox
worker drains, exactly what ``ReminderScheduler`` does on the real clock. Only sending
is needed, so the channel is initialised (PTB's bot and rate limiter) but neither
started nor polling. The last line on stdout is a JSON summary of what this process
did.

The simulated clock lives in ``--sync-dir`` and is shared by every process of a run
(``SharedClock``), and the processes walk the steps in lockstep (``Peers``). Without
``--sync-dir`` the process runs alone on a clock of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import json
import logging
import os
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.app import App, running_app
from bot.channels.telegram.channel import TelegramChannel
from bot.config import Settings
from bot.members import MemberRole
from bot.outbox import LEASE, OutboxChannel, OutboxWorker, Outcome
from bot.scheduler import worker_name
from storage import outbox as outbox_store

log = logging.getLogger("tests.reliability.worker")

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
POLL = 0.001  # seconds of real time between looks at the other processes' progress
IDLE = 5.0  # simulated seconds the outbox waits between drains (OutboxWorker.run's idle)
MAX_DRAINS_PER_STEP = 50  # a safety net: a step that never goes quiet is a bug to report
# Units that report in January (III.2 on the 5th and 22nd, the expert teams' II.3.6 on
# the 15th and 30th): where --seed-members puts its officers.
REPORTING_UNITS = ("so-tp", "so-tc", "so-xd", "so-yt", "cong-an", "ubnd-tp-bac-ninh",
                   "to-cg-1", "to-cg-2")
SEED_USER_BASE = 700_000


def _micros(at: datetime) -> int:
    return (at - EPOCH) // MICROSECOND


class SharedClock:
    """A simulated wall clock that every process of a run reads from one file.

    Shared, because the outbox compares its leases, and the reminder engine its
    catch-up window, with ``now``: two processes on private simulated clocks drift
    whole steps apart and then take over each other's live leases, a skew no real
    deployment has (NTP keeps hosts within milliseconds). A file, because the app's
    clock is a plain synchronous callable that cannot ask the database.

    Time only moves forward: ``advance_to`` keeps the later of the current and the
    wanted time, so two processes sleeping at once wake at the later wake-up, as on
    a real clock.
    """

    def __init__(self, directory: Path) -> None:
        self._file = directory / "clock"
        self._lock = directory / "clock.lock"

    @classmethod
    def create(cls, directory: Path, at: datetime) -> SharedClock:
        directory.mkdir(parents=True, exist_ok=True)
        clock = cls(directory)
        clock._write(_micros(at))
        return clock

    def exists(self) -> bool:
        return self._file.exists()

    def _read(self) -> int:
        return int(self._file.read_text())

    def _write(self, micros: int) -> None:
        # Write aside, then rename: a reader sees the old or the new time, never half.
        aside = self._file.with_name(f"clock.{os.getpid()}.tmp")
        aside.write_text(str(micros))
        os.replace(aside, self._file)

    def __call__(self) -> datetime:
        return EPOCH + self._read() * MICROSECOND

    def seconds(self) -> float:
        """Simulated seconds, for the fake Bot API's flood limits (a monotonic clock)."""
        return self._read() / 1_000_000

    def advance_to(self, when: datetime) -> None:
        with self._lock.open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # read-compare-write as one; freed on close
            wanted = _micros(when)
            if wanted > self._read():
                self._write(wanted)

    async def sleep(self, seconds: float) -> None:
        """The ``sleep`` injected into the outbox: time passes at once, for everyone."""
        self.advance_to(self() + timedelta(seconds=max(0.0, seconds)))
        await asyncio.sleep(0)  # other tasks of this process run, as during a real sleep


class Peers:
    """Lockstep between the processes of a run: one file per worker holding the last
    step it finished.

    Nobody moves the clock to step k before every other worker has finished step
    k-1, so the clock never jumps a whole step under a worker that is still sending
    (its leases would look expired to the others — again a skew no deployment has).
    Within a step the processes run freely side by side. A process killed for good
    is struck off by whoever killed it (``leave``), or the others would wait for it.
    """

    def __init__(self, directory: Path, name: str) -> None:
        self._dir = directory / "peers"
        self._dir.mkdir(parents=True, exist_ok=True)
        self.name = name

    def finished(self, step: int, name: str | None = None) -> None:
        path = self._dir / (name or self.name)
        aside = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        aside.write_text(str(step))
        os.replace(aside, path)

    def last_finished(self, name: str) -> int | None:
        try:
            return int((self._dir / name).read_text())
        except FileNotFoundError:
            return None

    def leave(self, name: str) -> None:
        (self._dir / name).unlink(missing_ok=True)

    def join(self, current_step: int) -> int:
        """The first step this worker walks: after the last it finished if it was
        registered beforehand (a run's first workers), else the step the shared
        clock is in (a worker started in the middle, say after a crash)."""
        done = self.last_finished(self.name)
        if done is None:
            done = current_step - 1
            self.finished(done)
        return done + 1

    def lagging(self, step: int) -> list[str]:
        """The other workers that have not finished ``step`` yet."""
        behind = []
        for path in self._dir.iterdir():
            if path.name.startswith(".") or path.name == self.name:
                continue
            done = self.last_finished(path.name)
            if done is not None and done < step:
                behind.append(path.name)
        return behind

    async def wait_for(self, step: int, *, timeout: float) -> None:  # noqa: ASYNC109
        try:
            async with asyncio.timeout(timeout):
                # Other processes' files: no Event can tell us, so we look again.
                while self.lagging(step):  # noqa: ASYNC110
                    await asyncio.sleep(POLL)
        except TimeoutError:
            raise TimeoutError(f"{self.name}: still waiting for {self.lagging(step)} "
                               f"to finish step {step}") from None


def prepare_run(directory: Path, start: datetime, names: Sequence[str]) -> SharedClock:
    """Set the shared clock to ``start`` and register the run's first workers, so
    none of them runs ahead while another is still starting up."""
    clock = SharedClock.create(directory, start)
    peers = Peers(directory, "")
    for name in names:
        peers.finished(-1, name)
    return clock


class CountingChannel:
    """The real channel, with this process's outcomes counted for the summary."""

    def __init__(self, inner: OutboxChannel) -> None:
        self.inner = inner
        self.outcomes: Counter[str] = Counter()

    async def deliver(self, chat_id: str, payload: dict[str, Any]) -> Outcome:
        outcome = await self.inner.deliver(chat_id, payload)
        self.outcomes[type(outcome).__name__.lower()] += 1
        return outcome

    async def unreachable(self, chat_id: str) -> None:
        await self.inner.unreachable(chat_id)


class Stopwatch:
    """Real seconds spent per phase, for the summary: where a slow run goes."""

    def __init__(self) -> None:
        self.seconds: Counter[str] = Counter()

    @contextmanager
    def timing(self, phase: str) -> Iterator[None]:
        began = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[phase] += time.perf_counter() - began

    def rounded(self) -> dict[str, float]:
        return {phase: round(seconds, 3) for phase, seconds in self.seconds.items()}


def step_times(start: datetime, end: datetime, step: timedelta) -> list[datetime]:
    times = [start]
    while times[-1] + step <= end:
        times.append(times[-1] + step)
    if times[-1] < end:
        times.append(end)
    return times


def current_step(times: Sequence[datetime], now: datetime) -> int:
    return max(0, sum(1 for t in times if t <= now) - 1)


async def seed_members(app: App, count: int, at: datetime) -> None:
    """Officers with private chats in the reporting units, for a run by hand. Run it
    in one process: two processes enrolling the same new user at once may clash."""
    for index in range(count):
        user = str(SEED_USER_BASE + index)
        await app.services.enroll("telegram", user,
                                  unit_id=REPORTING_UNITS[index % len(REPORTING_UNITS)],
                                  role=MemberRole.OFFICER, at=at,
                                  display_name=f"Cán bộ {index + 1}", chat_id=user)


async def drain_until_quiet(worker: OutboxWorker, app: App, clock: SharedClock,
                            counts: Counter[str]) -> None:
    """Drain as ``OutboxWorker.run`` does: again after an idle wait while something
    becomes sendable within it (a retry after a 429, a dead worker's lease running
    out), so that a step ends with nothing left for now."""
    for _ in range(MAX_DRAINS_PER_STEP):
        try:
            counts["claimed"] += await worker.drain()
        except Exception:  # as run(): a failed drain is logged and tried again
            log.exception("drain failed")
            counts["drain_failures"] += 1
        soon = clock() + timedelta(seconds=IDLE)
        async with app.sessions() as session:
            waiting, _ = await outbox_store.outbox_depth(session, now=soon)
        if not waiting:
            return
        await clock.sleep(IDLE)
    log.error("the outbox did not go quiet within %d drains", MAX_DRAINS_PER_STEP)
    counts["unquiet_steps"] += 1


async def run(args: argparse.Namespace) -> dict[str, Any]:
    began = time.monotonic()
    if args.sync_dir:
        return await _walk(args, Path(args.sync_dir), began)
    with tempfile.TemporaryDirectory(prefix="nhacviec-worker-") as alone:
        # Without --sync-dir this process is the whole run, on a clock of its own.
        return await _walk(args, Path(alone), began)


async def _walk(args: argparse.Namespace, directory: Path, began: float) -> dict[str, Any]:
    start, end = args.start, args.end
    step = timedelta(minutes=args.step_minutes)
    clock = SharedClock(directory)
    if not clock.exists():
        clock = SharedClock.create(directory, start)
    peers = Peers(directory, args.name)
    rng = random.Random(args.seed)
    owner = f"{args.name}@{worker_name()}"  # unique per process; the name tells the test
    settings = Settings(database_url=args.database_url, telegram_token=args.token,
                        telegram_api_url=args.api_url)
    counts: Counter[str] = Counter()
    spent = Stopwatch()

    async def jitter() -> None:
        # Real time: lets the other process get ahead now and then, so the two
        # interleave differently on every run.
        await asyncio.sleep(rng.uniform(0, args.jitter_ms / 1000))

    async with running_app(settings, clock=clock) as app:
        if args.seed_members:
            await seed_members(app, args.seed_members, clock())
        channel = TelegramChannel(app, sleep=clock.sleep)
        # Sending only: the bot and PTB's rate limiter need initialize(); start()
        # would also set menus and poll for updates, which a sender does not need.
        await channel.application.initialize()
        try:
            counting = CountingChannel(channel)
            # As ReminderScheduler builds it, with the lease and sleep made ours.
            worker = OutboxWorker(app.sessions, {channel.name: counting}, clock=clock,
                                  owner=owner, rate_per_second=settings.outbox_rate,
                                  sleep=clock.sleep,
                                  lease=timedelta(seconds=args.lease_seconds))
            times = step_times(start, end, step)
            first = peers.join(current_step(times, clock()))
            for index in range(first, len(times)):
                with spent.timing("waiting"):
                    await peers.wait_for(index - 1, timeout=args.barrier_timeout)
                clock.advance_to(times[index])
                await jitter()
                try:
                    with spent.timing("ticking"):
                        result = await app.usecases.reminders.tick(clock())
                    counts["enqueued"] += result.enqueued
                except Exception:  # as ReminderScheduler.tick: the next tick catches up
                    log.exception("reminder tick failed")
                    counts["tick_failures"] += 1
                counts["ticks"] += 1
                await jitter()
                with spent.timing("draining"):
                    await drain_until_quiet(worker, app, clock, counts)
                peers.finished(index)
        finally:
            await channel.stop()
    return {
        "name": args.name, "owner": owner, "pid": os.getpid(), "first_step": first,
        "ticks": counts["ticks"], "enqueued": counts["enqueued"],
        "claimed": counts["claimed"], "sent": counting.outcomes["sent"],
        "outcomes": dict(counting.outcomes), "tick_failures": counts["tick_failures"],
        "drain_failures": counts["drain_failures"], "unquiet_steps": counts["unquiet_steps"],
        "simulated_end": clock().isoformat(), "real_seconds": spent.rounded(),
        "wall_seconds": round(time.monotonic() - began, 3),
    }


def _aware(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r}: give a time zone, e.g. +07:00")
    return moment


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.reliability.worker",
                                     description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--api-url", required=True, help="base URL, as NHACVIEC_TELEGRAM_API_URL")
    parser.add_argument("--token", required=True)
    parser.add_argument("--start", type=_aware, required=True)
    parser.add_argument("--end", type=_aware, required=True)
    parser.add_argument("--step-minutes", type=float, default=30.0)
    parser.add_argument("--seed-members", type=int, default=0,
                        help="enroll this many officers first (a run by hand)")
    parser.add_argument("--sync-dir", help="shared clock and lockstep with other workers")
    parser.add_argument("--name", default=f"worker-{os.getpid()}")
    parser.add_argument("--lease-seconds", type=float, default=LEASE.total_seconds())
    parser.add_argument("--jitter-ms", type=float, default=2.0)
    parser.add_argument("--seed", type=int, default=None, help="for the jitter")
    parser.add_argument("--barrier-timeout", type=float, default=120.0,
                        help="real seconds to wait for the other workers at a step")
    args = parser.parse_args(argv)
    if args.end <= args.start or args.step_minutes <= 0:
        parser.error("need --start before --end and a positive --step-minutes")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format=f"%(asctime)s {args.name} %(levelname)s %(name)s: %(message)s")
    summary = asyncio.run(run(args))
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
