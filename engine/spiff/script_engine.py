"""The only way SpiffWorkflow evaluates anything in this product: through the safe evaluator.

SpiffWorkflow routes every gateway condition, timer value, multi-instance expression and DMN cell
through its script engine, whose default is plain ``eval``. This one interprets a whitelisted
subset instead (:mod:`engine.language.expressions`) and refuses script tasks unless an operator enabled them.
The script engine is not serialized: :mod:`engine.spiff.state` sets it again after every load.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine

from engine import clock
from engine.errors import EngineError
from engine.language import expressions
from engine.language.timers import LOCAL_TZ
from engine.spiff import case_queries


def _now() -> Any:
    return clock.now()


def _today() -> Any:
    """Today's date where the interventions run (Stockholm), not in UTC."""
    return clock.now().astimezone(LOCAL_TZ).date()


ENGINE_FUNCTIONS: dict[str, Callable[..., object]] = {"now": _now, "today": _today, **case_queries.FUNCTIONS}


class SafeScriptEngine(PythonScriptEngine):
    def __init__(self, allow_scripts: bool = False) -> None:
        super().__init__()
        self.allow_scripts = allow_scripts

    def validate(self, expression: str) -> None:
        # DMN uses a SyntaxError here to decide whether a cell needs "==": keep that contract.
        ast.parse(expressions.normalize(expression), mode="eval")

    def evaluate(self, task: Any, expression: str, external_context: dict[str, Any] | None = None) -> Any:
        names = dict(task.data)
        if external_context:
            names.update(external_context)
        try:
            return expressions.evaluate(expression, names, ENGINE_FUNCTIONS)
        except EngineError as err:
            raise WorkflowTaskException(f"{err.message} (in '{expression}')", task=task, exception=err) from err

    def execute(self, task: Any, script: str, external_context: dict[str, Any] | None = None) -> Any:
        if not self.allow_scripts:
            raise WorkflowTaskException(
                "script tasks are disabled (an operator can enable them with SAMVERKAN_ALLOW_SCRIPTS=1)",
                task=task,
            )
        # Operator-enabled scripts are trusted code, deployed by the operator, not designers.
        return super().execute(task, script, external_context)

    def call_service(self, task: Any, **kwargs: Any) -> Any:
        raise WorkflowTaskException("service tasks are not supported", task=task)
