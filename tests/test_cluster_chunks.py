"""Cutting a campaign into cluster tasks (sweep/chunks.py): every trial once and in order, parts no larger than
the executor's groups, tasks sized by time, short points packed together, small campaigns spread over workers.
Pure Python: no Dask needed."""

from __future__ import annotations

import pytest

from eccless.sweep import chunks
from eccless.sweep.executor import TRIAL_BATCH

pytestmark = pytest.mark.unit


def _todo(points: dict[str, list[float]], trials: int):
    return [(key, ber, t) for key, bers in points.items() for ber in bers for t in range(trials)]


def _flat(tasks):
    return [(key, ber, seed) for task in tasks for key, ber, seeds in task for seed in seeds]


def test_every_trial_once_in_order_and_parts_within_a_group():
    todo = _todo({"mlp": [1e-3, 1e-2], "cnn": [1e-3]}, 300)
    tasks = chunks.plan(todo, {"mlp": 3e-4, "cnn": 5e-3}, workers=2)
    assert _flat(tasks) == todo
    assert all(len(seeds) <= TRIAL_BATCH for task in tasks for _, _, seeds in task)


def test_tasks_are_sized_by_time_and_short_points_share_a_task():
    todo = _todo({"mlp": [1e-4 * k for k in range(1, 40)]}, 20)  # 39 points of 20 trials of 0.3 ms
    tasks = chunks.plan(todo, {"mlp": 3e-4}, workers=2)
    budget = chunks.TASK_SECONDS / 3e-4
    assert all(chunks.task_trials(t) <= budget + 1 for t in tasks)
    assert max(chunks.task_trials(t) for t in tasks) > 20  # several points in one task
    cnn = chunks.plan(_todo({"cnn": [1e-3]}, 200), {"cnn": 0.1}, workers=1)  # 0.1 s trials: 2-3 per task
    assert max(chunks.task_trials(t) for t in cnn) <= chunks.TASK_SECONDS / 0.1 + 1e-9


def test_a_small_campaign_gives_every_worker_several_tasks_a_tiny_one_stays_whole():
    small = chunks.plan(_todo({"mlp": [1e-3, 1e-2]}, 1000), {"mlp": 3e-4}, workers=2)  # 0.6 s of work
    assert len(small) >= 2 * 4
    assert len(chunks.plan(_todo({"mlp": [1e-3]}, 40), {"mlp": 3e-4}, workers=2)) == 1  # 12 ms: one task


def test_a_fixed_chunk_counts_trials():
    tasks = chunks.plan(_todo({"a": [1e-3, 1e-2]}, 12), {}, workers=8, chunk=5)
    assert [chunks.task_trials(t) for t in tasks] == [5, 5, 5, 5, 4]


def test_tasks_shrink_towards_the_end_down_to_a_floor_that_grows_with_the_workers():
    """Guided: a task holds 1/(GUIDED x workers) of the work left, capped at TASK_SECONDS, so the last tasks are
    short and the workers finish together; never shorter than the floor, which grows with the worker count."""
    todo = _todo({"a": [1e-4, 1e-3, 1e-2, 3e-2], "b": [1e-4, 1e-3, 1e-2, 3e-2]}, 512)  # 4.1 s of 1 ms trials
    tasks = chunks.plan(todo, {"a": 1e-3, "b": 1e-3}, workers=2)
    sizes = [chunks.task_trials(t) for t in tasks]
    assert _flat(tasks) == todo
    assert sizes[0] == round(chunks.TASK_SECONDS / 1e-3)
    assert sizes[:-1] == sorted(sizes[:-1], reverse=True)  # the very last one holds what is left
    assert max(sizes[-3:]) <= chunks.MIN_TASK_SECONDS / 1e-3 + 1
    for workers in (8, 64):
        floor = max(chunks.MIN_TASK_SECONDS, chunks.SCHEDULER_SECONDS * workers) / 1e-3
        many = [chunks.task_trials(t) for t in chunks.plan(todo, {"a": 1e-3, "b": 1e-3}, workers=workers)]
        assert min(many[:-1]) >= floor - 1
