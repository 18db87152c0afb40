"""Safe evaluation of the expressions found in uploaded BPMN/DMN files.

Gateway conditions, timer expressions and DMN cells are written by process designers, so they are
untrusted: the text is parsed with :mod:`ast`, checked against a whitelist (``syntax``), and
interpreted node by node (``interpreter``), calling only whitelisted functions (``functions``).
Nothing is ever handed to ``eval``/``exec``/``compile``. Every operation is charged by the weight
of what it touches before it runs, against a budget per evaluation and one per step of a case,
and no value may grow past a size cap (``limits``), so no expression can tie up a worker.
"""

from engine.language.expressions.functions import SAFE_FUNCTIONS
from engine.language.expressions.interpreter import allowance, constant_problems, evaluate
from engine.language.expressions.limits import MAX_LENGTH, MAX_SIZE, MAX_STEP_WORK, MAX_WORK
from engine.language.expressions.syntax import check, names_used, normalize

__all__ = [
    "MAX_LENGTH", "MAX_SIZE", "MAX_STEP_WORK", "MAX_WORK", "SAFE_FUNCTIONS", "allowance", "check",
    "constant_problems", "evaluate", "names_used", "normalize",
]
