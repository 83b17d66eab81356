"""How a campaign's trials are cut into cluster tasks (sweep/cluster.py ships each task to a worker).

A task is a list of parts (experiment key, BER, consecutive seeds); a part is what Experiment.trials draws in one
vectorized pass, at most TRIAL_BATCH seeds like the local executor's groups (the positions of a part are held in
memory together). Tasks are sized by time, not by count, because trials range from 0.3 ms (digits MLP) to a
second (a deep CNN on a thousand samples), and they shrink towards the end of a campaign (guided self-scheduling,
as OpenMP's `schedule(guided)`):

- a task holds 1/(GUIDED x workers) of the work still to plan, so the last tasks are short and the workers finish
  together however the estimate misjudged a configuration, a BER or a worker slowed by a neighbour (measured on
  the digits MLP sweep, bench/bench_cluster.py: equal tasks of 1/16 of a worker's share left one of two workers
  idle for up to a task at the end, 3-5 % of the campaign);
- at most TASK_SECONDS of estimated work, so the per-task cost (~1 ms of worker CPU and ~1 ms of scheduler CPU
  on this machine) stays under 1 % and a scheduler can feed 64 workers or more;
- at least MIN_TASK_SECONDS, and at least SCHEDULER_SECONDS per worker (the scheduler handles tasks one after
  another: shorter tasks on many workers would keep it busier than one core);
- several short parts (points of a few trials) are packed into one task: a sweep's points usually hold 10-100
  trials, far too few for a task of their own on a 0.3 ms trial.

A fixed `chunk` (trials per task) replaces the time budget, for tests and for users who know better.
"""

from __future__ import annotations

from .executor import TRIAL_BATCH

TASK_SECONDS = 0.25
MIN_TASK_SECONDS = 0.02
SCHEDULER_SECONDS = 1e-3
GUIDED = 2

Part = tuple[str, float, list[int]]  # (experiment key, BER, seeds)


def plan(todo: list[tuple[str, float, int]], trial_seconds: dict[str, float], workers: int,
         chunk: int | None = None) -> list[list[Part]]:
    """Tasks for `todo` (in order: every trial exactly once), each a list of parts."""
    workers = max(1, workers)
    if chunk:
        cost = {key: 1.0 for key, _, _ in todo}
    else:
        cost = trial_seconds
    left = sum(cost[key] for key, _, _ in todo)
    floor = max(MIN_TASK_SECONDS, SCHEDULER_SECONDS * workers)

    def budget() -> float:
        if chunk:
            return float(chunk)
        return max(min(TASK_SECONDS, left / (GUIDED * workers)), floor)

    tasks: list[list[Part]] = []
    task: list[Part] = []
    spent, size = 0.0, budget()
    for key, ber, seed in todo:
        c = cost[key]
        if task and spent + c > size * (1 + 1e-9):
            tasks.append(task)
            task, spent, size = [], 0.0, budget()
        if task and task[-1][:2] == (key, ber) and len(task[-1][2]) < TRIAL_BATCH:
            task[-1][2].append(seed)
        else:
            task.append((key, ber, [seed]))
        spent += c
        left -= c
    if task:
        tasks.append(task)
    return tasks


def task_trials(task: list[Part]) -> int:
    return sum(len(seeds) for _, _, seeds in task)
