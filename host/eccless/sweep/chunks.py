"""How a campaign's trials are cut into cluster tasks (sweep/cluster.py ships each task to a worker).

A task is a list of parts (experiment key, BER, consecutive seeds); a part is what Experiment.trials draws in one
vectorized pass, at most TRIAL_BATCH seeds like the local executor's groups (the positions of a part are held in
memory together). Tasks are sized by time, not by count, because trials range from 0.3 ms (digits MLP) to a
second (a deep CNN on a thousand samples):

- at most TASK_SECONDS of estimated work, so the per-task cost (bench/bench_cluster.py: ~1.5 ms of worker CPU
  and ~1.5 ms of scheduler CPU on this machine) stays near 1 % and a scheduler can feed 64 workers or more;
- at most 1/CHUNKS_PER_WORKER of a worker's share of the campaign, so a small campaign still gives every worker
  many tasks and a worker slowed by a busy neighbour does not hold up the end (the --jobs pool balances the same
  way), but not under MIN_TASK_SECONDS, where the per-task cost would pass a few per cent;
- several short parts (points of a few trials) are packed into one task: a sweep's points usually hold 10-100
  trials, far too few for a task of their own on a 0.3 ms trial.

A fixed `chunk` (trials per task) replaces the time budget, for tests and for users who know better.
"""

from __future__ import annotations

from .executor import TRIAL_BATCH

TASK_SECONDS = 0.25
MIN_TASK_SECONDS = 0.05
CHUNKS_PER_WORKER = 16

Part = tuple[str, float, list[int]]  # (experiment key, BER, seeds)


def plan(todo: list[tuple[str, float, int]], trial_seconds: dict[str, float], workers: int,
         chunk: int | None = None) -> list[list[Part]]:
    """Tasks for `todo` (in order: every trial exactly once), each a list of parts."""
    if chunk:
        cost = {key: 1.0 for key, _, _ in todo}
        budget = float(chunk)
    else:
        cost = trial_seconds
        total = sum(cost[key] for key, _, _ in todo)
        share = total / (max(1, workers) * CHUNKS_PER_WORKER)
        budget = max(min(TASK_SECONDS, share), MIN_TASK_SECONDS, min(cost.values(), default=0))
    tasks: list[list[Part]] = []
    task: list[Part] = []
    spent = 0.0
    for key, ber, seed in todo:
        c = cost[key]
        if task and spent + c > budget * (1 + 1e-9):
            tasks.append(task)
            task, spent = [], 0.0
        if task and task[-1][:2] == (key, ber) and len(task[-1][2]) < TRIAL_BATCH:
            task[-1][2].append(seed)
        else:
            task.append((key, ber, [seed]))
        spent += c
    if task:
        tasks.append(task)
    return tasks


def task_trials(task: list[Part]) -> int:
    return sum(len(seeds) for _, _, seeds in task)
