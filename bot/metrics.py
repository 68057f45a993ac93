"""The bot's metrics, served at ``GET /metrics`` in the Prometheus text format (0.0.4).

A small registry of our own rather than ``prometheus_client``: the bot needs
counters, gauges and one kind of histogram, all in one asyncio process (no
multiprocess mode, no thread-safety beyond the GIL), and the exposition format is a
page of text. Gauges that describe the database (the outbox's depth and age) are
not kept up to date as things change: they are measured when scraped
(``Registry.collect_with``), so every process of a deployment reports the same truth.

The metrics live in this module (``METRICS``), as ``prometheus_client``'s default
registry does: the router and the outbox worker count into them without being
handed anything. Tests compare values before and after.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager

LabelValues = tuple[str, ...]
Collector = Callable[[], Awaitable[None]]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# A chat bot's answer: a few milliseconds for a cached list, a second or more for a
# report with a chart; past 5 s a person has given up waiting.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
# A reminder goes within seconds of its time; after downtime, up to the catch-up
# window (12 h by default) later.
LAG_BUCKETS = (1.0, 5.0, 30.0, 60.0, 300.0, 900.0, 3600.0, 4 * 3600.0, 12 * 3600.0)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if math.isnan(value):
        return "NaN"
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


def _labels(names: Sequence[str], values: Sequence[str], extra: str = "") -> str:
    parts = [f'{n}="{_escape(v)}"' for n, v in zip(names, values, strict=True)]
    if extra:
        parts.append(extra)
    return "{" + ",".join(parts) + "}" if parts else ""


class _Metric:
    kind = ""

    def __init__(self, name: str, help_text: str, labels: Sequence[str] = ()) -> None:
        self.name = name
        self.help = help_text
        self.label_names = tuple(labels)

    def _key(self, labels: dict[str, str]) -> LabelValues:
        if set(labels) != set(self.label_names):
            raise ValueError(f"{self.name} takes labels {self.label_names}, got {tuple(labels)}")
        return tuple(str(labels[n]) for n in self.label_names)

    def header(self) -> list[str]:
        return [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} {self.kind}"]

    def samples(self) -> list[str]:
        raise NotImplementedError


class Counter(_Metric):
    kind = "counter"

    def __init__(self, name: str, help_text: str, labels: Sequence[str] = ()) -> None:
        super().__init__(name, help_text, labels)
        self._values: dict[LabelValues, float] = {}

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        if amount < 0:
            raise ValueError("a counter only goes up")
        key = self._key(labels)
        self._values[key] = self._values.get(key, 0.0) + amount

    def value(self, **labels: str) -> float:
        return self._values.get(self._key(labels), 0.0)

    def samples(self) -> list[str]:
        return [f"{self.name}{_labels(self.label_names, key)} {_number(value)}"
                for key, value in sorted(self._values.items())]


class Gauge(_Metric):
    kind = "gauge"

    def __init__(self, name: str, help_text: str, labels: Sequence[str] = ()) -> None:
        super().__init__(name, help_text, labels)
        self._values: dict[LabelValues, float] = {}

    def set(self, value: float, **labels: str) -> None:
        self._values[self._key(labels)] = float(value)

    def value(self, **labels: str) -> float | None:
        return self._values.get(self._key(labels))

    def samples(self) -> list[str]:
        return [f"{self.name}{_labels(self.label_names, key)} {_number(value)}"
                for key, value in sorted(self._values.items())]


class Histogram(_Metric):
    kind = "histogram"

    def __init__(self, name: str, help_text: str, buckets: Iterable[float],
                 labels: Sequence[str] = ()) -> None:
        super().__init__(name, help_text, labels)
        self.buckets = tuple(sorted(buckets))
        # Per label set: a count per bucket (not cumulative), the sum, the count.
        self._series: dict[LabelValues, tuple[list[int], list[float]]] = {}

    def observe(self, value: float, **labels: str) -> None:
        key = self._key(labels)
        counts, total = self._series.setdefault(key, ([0] * (len(self.buckets) + 1), [0.0]))
        index = next((i for i, bound in enumerate(self.buckets) if value <= bound),
                     len(self.buckets))
        counts[index] += 1
        total[0] += value

    def count(self, **labels: str) -> int:
        series = self._series.get(self._key(labels))
        return sum(series[0]) if series else 0

    @contextmanager
    def time(self, **labels: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.observe(time.perf_counter() - started, **labels)

    def samples(self) -> list[str]:
        lines = []
        for key, (counts, total) in sorted(self._series.items()):
            running = 0
            for bound, count in zip((*self.buckets, math.inf), counts, strict=True):
                running += count
                le = f'le="{_number(bound)}"'
                lines.append(f"{self.name}_bucket{_labels(self.label_names, key, le)} "
                             f"{running}")
            lines.append(f"{self.name}_sum{_labels(self.label_names, key)} {_number(total[0])}")
            lines.append(f"{self.name}_count{_labels(self.label_names, key)} {running}")
        return lines


class Registry:
    def __init__(self) -> None:
        self._metrics: dict[str, _Metric] = {}

    def _add(self, metric: _Metric) -> _Metric:
        if metric.name in self._metrics:
            raise ValueError(f"metric {metric.name} registered twice")
        self._metrics[metric.name] = metric
        return metric

    def counter(self, name: str, help_text: str, labels: Sequence[str] = ()) -> Counter:
        metric = Counter(name, help_text, labels)
        self._add(metric)
        return metric

    def gauge(self, name: str, help_text: str, labels: Sequence[str] = ()) -> Gauge:
        metric = Gauge(name, help_text, labels)
        self._add(metric)
        return metric

    def histogram(self, name: str, help_text: str, buckets: Iterable[float],
                  labels: Sequence[str] = ()) -> Histogram:
        metric = Histogram(name, help_text, buckets, labels)
        self._add(metric)
        return metric

    def render(self) -> str:
        lines: list[str] = []
        for metric in self._metrics.values():
            lines += metric.header()
            lines += metric.samples()
        return "\n".join(lines) + "\n"

    async def collect_with(self, collectors: Iterable[Collector]) -> str:
        """Measure the scrape-time gauges, then render."""
        for collect in collectors:
            await collect()
        return self.render()


METRICS = Registry()

UPDATES = METRICS.counter("nhacviec_updates_handled_total",
                          "Messages and button presses handled, per channel.", ["channel"])
HANDLER_ERRORS = METRICS.counter("nhacviec_handler_errors_total",
                                 "Handlers that raised (the user got an apology).",
                                 ["channel"])
HANDLER_SECONDS = METRICS.histogram("nhacviec_handler_seconds",
                                    "Time to handle one message or button press.",
                                    LATENCY_BUCKETS, ["channel"])
SENT = METRICS.counter("nhacviec_messages_sent_total",
                       "Outbox messages (reminders, broadcasts, notices) sent, per channel.",
                       ["channel", "kind"])
FAILED = METRICS.counter("nhacviec_messages_failed_total",
                         "Outbox messages that failed for good, per channel.",
                         ["channel", "kind"])
RETRIED = METRICS.counter("nhacviec_messages_retried_total",
                          "Outbox sends to be tried again (timeouts, 5xx, 429), per channel.",
                          ["channel", "kind"])
REMINDER_LAG = METRICS.histogram("nhacviec_reminder_lag_seconds",
                                 "Seconds between a reminder's time and its send.",
                                 LAG_BUCKETS)
OUTBOX_DEPTH = METRICS.gauge("nhacviec_outbox_depth",
                             "Outbox messages due now and not sent (measured when scraped).")
OUTBOX_OLDEST = METRICS.gauge("nhacviec_outbox_oldest_age_seconds",
                              "Age of the oldest outbox message due now (0 when none).")
DATABASE_UP = METRICS.gauge("nhacviec_database_up",
                            "1 when the database answered SELECT 1 at the scrape.")
TICK_AGE = METRICS.gauge("nhacviec_scheduler_last_tick_age_seconds",
                         "Seconds since the reminder engine's last successful tick.")
