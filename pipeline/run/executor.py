"""Run one function over many inputs: local worker processes, or a Dask cluster.

Local workers are forked processes fed one input at a time over a pipe, so the
parent always knows what each worker is doing and since when.  A worker that
runs past the time limit is killed and replaced; one that dies (out of memory,
a crash in a native library) is replaced too; either way the input gets an
error and the run goes on.  Each worker caps its own address space
(``RLIMIT_AS``) so that one enormous file raises ``MemoryError`` instead of
taking the machine down.

With a scheduler address the same function runs on a Dask distributed
cluster; results come back to the client as they complete.  Time limits are
then the cluster's business (Dask cannot kill a single running task).
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import os
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

if TYPE_CHECKING:
    from multiprocessing.connection import Connection


@dataclass
class Outcome:
    """What one item gave on a worker: its result, or the one-line reason it failed."""

    item: Any
    result: Any = None
    error: str = ""  # one-line reason when the function failed for this item


def _reason(exc: BaseException) -> str:
    """An exception as one line for errors.csv."""
    first = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {first}"


def _worker(conn: Connection, fn: Callable[[Any], Any], memory_limit_mb: int) -> None:
    # Fewer, cheaper collections: a document makes many short-lived objects and few cycles.
    gc.set_threshold(50_000, 20, 20)
    if memory_limit_mb:
        try:
            import resource

            import psutil

            current = psutil.Process().memory_info().vms
            limit = current + memory_limit_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        except (ImportError, ValueError, OSError):
            pass
    while True:
        try:
            item = conn.recv()
        except (EOFError, KeyboardInterrupt):
            return
        if item is None:
            return
        try:
            conn.send(("ok", fn(item)))
        except MemoryError:
            conn.send(("error", f"over the memory budget of {memory_limit_mb} MB"))
        except Exception as exc:  # report, never die: the batch goes on
            last = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
            where = f" at {os.path.basename(last.filename)}:{last.lineno}" if last else ""
            conn.send(("error", f"{_reason(exc)}{where}"[:300]))


class _Slot:
    def __init__(self, ctx: Any, fn: Callable[[Any], Any], memory_limit_mb: int):
        self.ctx, self.fn, self.memory_limit_mb = ctx, fn, memory_limit_mb
        self.start()

    def start(self) -> None:
        parent, child = self.ctx.Pipe()
        self.conn = parent
        self.process = self.ctx.Process(target=_worker, args=(child, self.fn, self.memory_limit_mb), daemon=True)
        self.process.start()
        child.close()
        self.item, self.started = None, 0.0

    def give(self, item: Any) -> None:
        self.item, self.started = item, time.monotonic()
        self.conn.send(item)

    def kill(self) -> None:
        self.process.kill()
        self.process.join()
        self.conn.close()


def run_local(
    fn: Callable, items: Iterable, workers: int = 1, time_limit: float = 120.0, memory_limit_mb: int = 3072
) -> Iterator[Outcome]:
    """Yield an :class:`Outcome` per item, in completion order."""
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    pending = list(items)[::-1]
    # Objects loaded before the fork (spaCy, the model, the lookups) move out of the
    # collector's sight, so a worker's collections neither walk nor copy those pages.
    gc.freeze()
    slots = [_Slot(ctx, fn, memory_limit_mb) for _ in range(max(1, min(workers, len(pending) or 1)))]
    try:
        for slot in slots:
            if pending:
                _feed(slot, pending.pop())
        while any(s.item is not None for s in slots):
            busy = [s for s in slots if s.item is not None]
            ready = wait([s.conn for s in busy], timeout=min(1.0, max(0.05, time_limit / 5)))
            done: list[Outcome] = []
            for slot in busy:
                if slot.conn in ready:
                    try:
                        status, payload = slot.conn.recv()
                    except (EOFError, OSError):
                        done.append(Outcome(slot.item, error=_death_reason(slot.process.exitcode, memory_limit_mb)))
                        slot.kill()
                        slot.start()
                    else:
                        done.append(
                            Outcome(slot.item, result=payload) if status == "ok" else Outcome(slot.item, error=payload)
                        )
                        slot.item = None
                elif time.monotonic() - slot.started > time_limit:
                    done.append(Outcome(slot.item, error=f"over the time limit of {time_limit:g} s; worker stopped"))
                    slot.kill()
                    slot.start()
                # Feed the worker before handing results on: the caller may take a while
                # (a cache chunk written every few hundred files) and the worker must not wait for it.
                if slot.item is None and pending:
                    _feed(slot, pending.pop())
            yield from done
    finally:
        for slot in slots:
            try:
                slot.conn.send(None)
            except (OSError, ValueError):
                pass
        for slot in slots:
            slot.process.join(timeout=2)
            if slot.process.is_alive():
                slot.kill()


def _feed(slot: _Slot, item: Any) -> None:
    """Give ``item`` to the slot's worker; one that died after its last answer is replaced first."""
    try:
        slot.give(item)
    except (BrokenPipeError, OSError):
        slot.kill()
        slot.start()
        slot.give(item)


def _death_reason(code: int | None, memory_limit_mb: int) -> str:
    if code is not None and code < 0:
        return f"worker killed by signal {-code} (memory budget {memory_limit_mb} MB or a crash in a native library)"
    return f"worker died (exit status {code})"


def run_dask(fn: Callable, items: Iterable, scheduler: str) -> Iterator[Outcome]:
    """Yield outcomes from a running Dask distributed cluster at ``scheduler``."""
    from distributed import Client, as_completed

    items = list(items)
    try:
        client = Client(scheduler, timeout="20s")
    except (OSError, TimeoutError) as exc:
        raise ConnectionError(
            f"cannot reach the Dask scheduler at {scheduler} ({type(exc).__name__}); is it running?"
        ) from None
    with client:
        futures = client.map(_guarded, [fn] * len(items), items, pure=False)
        owner = {f.key: item for f, item in zip(futures, items)}
        for future in as_completed(futures):
            item = owner[future.key]
            try:
                status, payload = future.result()
            except Exception as exc:  # a worker died (KilledWorker) or the task was lost: one file's error
                yield Outcome(item, error=f"Dask task failed: {_reason(exc)}"[:300])
                continue
            yield Outcome(item, result=payload) if status == "ok" else Outcome(item, error=payload)


def _guarded(fn: Callable[[Any], Any], item: Any) -> tuple[str, Any]:
    """On a Dask worker: never let one bad input fail the task graph."""
    try:
        return "ok", fn(item)
    except MemoryError:
        return "error", "out of memory on the Dask worker"
    except Exception as exc:
        return "error", _reason(exc)[:300]
