"""The few statistics the benchmarks report."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from typing import Any


def percentile(values: Sequence[float], share: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default); None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def rate(times: Sequence[float]) -> float | None:
    """Events per second between the first and the last of ``times``."""
    if len(times) < 2:
        return None
    ordered = sorted(times)
    span = ordered[-1] - ordered[0]
    return (len(ordered) - 1) / span if span > 0 else None


def middle_rate(times: Sequence[float], trim: float = 0.1) -> float | None:
    """The rate over the middle of the run, leaving out the first and last ``trim``
    of the events: the start (a full token bucket) and the tail (rows that were
    told to retry later) are not the steady state."""
    ordered = sorted(times)
    cut = int(len(ordered) * trim)
    return rate(ordered[cut:len(ordered) - cut])


def busiest_second(times: Iterable[float]) -> tuple[int, float | None]:
    """The most events in any one-second window [t, t + 1), and when that window
    began (None without events)."""
    ordered = sorted(times)
    most, start, began = 0, 0, None
    for end, at in enumerate(ordered):
        while ordered[start] <= at - 1.0:
            start += 1
        if end - start + 1 > most:
            most, began = end - start + 1, ordered[start]
    return most, began


def medians(runs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Field by field, the median of the runs' numbers (nested dicts too); lists are
    pooled; any other field keeps the first run's value."""
    merged: dict[str, Any] = {}
    for key, first in runs[0].items():
        values = [run.get(key) for run in runs]
        if isinstance(first, Mapping) and all(isinstance(v, Mapping) for v in values):
            merged[key] = medians([v for v in values if isinstance(v, Mapping)])
        elif all(isinstance(v, list) for v in values):
            merged[key] = sorted(x for v in values if isinstance(v, list) for x in v)
        elif all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            middle = statistics.median(v for v in values if isinstance(v, int | float))
            # An even number of runs averages the middle two: keep counts whole.
            merged[key] = int(middle) if float(middle).is_integer() else round(middle, 3)
        else:
            merged[key] = first
    return merged
