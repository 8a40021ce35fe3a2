"""Corpus work spread over the cores this process may use: rendering, reading and measuring one
kick is independent numpy work, so a pool of processes scales it with the cores (a 4,000-kick
corpus and its twin bank took four minutes on one core)."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

from tqdm import tqdm

Item = TypeVar("Item")
Result = TypeVar("Result")

# Below this many items per process, starting the processes costs more than it saves.
MIN_ITEMS_PER_PROCESS = 64


def usable_cores() -> int:
    return len(os.sched_getaffinity(0))


def map_on_cores(
    function: Callable[[Item], Result], items: Sequence[Item], desc: str, unit: str = "kick"
) -> list[Result]:
    """`function` over `items`, in order, with a progress bar. `function` must be a module-level
    function (it is pickled by name); the processes are spawned, not forked, so no lock or thread
    of this process (torch's, for one) is copied into them."""
    processes = min(usable_cores(), len(items) // MIN_ITEMS_PER_PROCESS)
    if processes <= 1:
        return [function(item) for item in tqdm(items, desc=desc, unit=unit)]
    context = multiprocessing.get_context("spawn")
    chunk = max(1, len(items) // (processes * 8))
    with ProcessPoolExecutor(processes, mp_context=context) as pool:
        results = pool.map(function, items, chunksize=chunk)
        return list(tqdm(results, total=len(items), desc=desc, unit=unit))
