"""Corrections to SpiffWorkflow 3.2 that must hold before any workflow exists."""

from __future__ import annotations

import inspect
import sys

from SpiffWorkflow.bpmn.util.task import BpmnTaskIterator
from SpiffWorkflow.util.task import TaskIterator


def lift_task_depth_limit() -> None:
    """Let SpiffWorkflow's task iterators walk the whole task tree, however deep.

    SpiffWorkflow 3.2 looks for tasks (``get_tasks``, ``is_completed``, ``do_engine_steps``,
    ``refresh_timers``, ``cancel``) with iterators whose ``max_depth`` defaults to 1000 and which stop
    there without a word. A case's task tree grows one level per step, so a journey of more than about
    a thousand steps in a row (or a loop taken many times) would have its ready tasks hidden: the
    case would count as completed while a user task was still ahead. The tree is finite and walked
    without recursion, so the default is lifted rather than raised to another silent cap. Runaway
    loops are stopped by the engine's own step budget (``runtime.MAX_STEPS``).

    Called when :mod:`engine.spiff` is first imported, before any workflow exists.
    """
    for iterator in (TaskIterator, BpmnTaskIterator):
        init = iterator.__init__
        positional = [p.name for p in inspect.signature(init).parameters.values()
                      if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
        defaults = list(init.__defaults__ or ())
        if "max_depth" not in positional or not defaults:
            continue  # another SpiffWorkflow: the long-journey test says whether it still needs this
        index = positional.index("max_depth") - (len(positional) - len(defaults))
        if 0 <= index < len(defaults):
            defaults[index] = sys.maxsize
            init.__defaults__ = tuple(defaults)
