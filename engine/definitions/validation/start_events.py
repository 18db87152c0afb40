"""Checks of timer start events: a process that opens its cases itself (docs/modeling.md,
"Opening cases on a rhythm: timer start events").

Such a case has nobody behind it: no participant (so the process cannot be a participant journey)
and nobody to answer a start form. Its time is ISO 8601 text, since there is no case data yet for
an expression to read. Only the process's own start event opens cases: a timer start event of an
embedded sub-process would never fire on its own (an event sub-process's is another matter, checked
with the timers).
"""

from __future__ import annotations

from typing import Any

from engine.definitions.validation.common import BPMN_NS, CAMUNDA_NS, local, short
from engine.definitions.validation.user_tasks import JOURNEY_PROPERTY
from engine.errors import EngineError
from engine.language import expressions, timers

_TIMER = f"{{{BPMN_NS}}}timerEventDefinition"
_TIMES = (("date", "timeDate"), ("duration", "timeDuration"), ("cycle", "timeCycle"))


def _has_timer(event: Any) -> bool:
    return event.find(_TIMER) is not None


def _is_journey(process: Any) -> bool:
    for prop in process.iterfind(f"{{{BPMN_NS}}}extensionElements/{{{CAMUNDA_NS}}}properties/{{{CAMUNDA_NS}}}property"):
        if prop.get("name") == JOURNEY_PROPERTY and (prop.get("value") or "").strip().lower() in ("ja", "true"):
            return True
    return False


def lint_start_events(process: Any, add: Any) -> None:
    """Every problem with the process's timer start events."""
    for event in process.iter(f"{{{BPMN_NS}}}startEvent"):
        parent = event.getparent()
        if parent is not process and _has_timer(event) and parent.get("triggeredByEvent") != "true":
            add(event, "a timer start event inside an embedded sub-process never fires: the sub-process starts "
                       "when its flow reaches it (use a plain start event and an intermediate timer event after it)")
    own = list(process.iterfind(f"{{{BPMN_NS}}}startEvent"))
    timed = [e for e in own if _has_timer(e)]
    if not timed:
        return
    for extra in timed[1:]:
        add(extra, f"a process may open its cases on one timer start event only; '{timed[0].get('id')}' is the first")
    event = timed[0]
    if _is_journey(process):
        add(event, f"a participant journey ({JOURNEY_PROPERTY} = ja) cannot open its cases on a timer: each of "
                   "its cases is a person staff register (remove the timer, or the property)")
    _lint_time(event, add)
    for plain in own:
        if plain is event or any(local(c).endswith("EventDefinition") for c in plain if isinstance(c.tag, str)):
            continue
        for field in plain.iterfind(f"{{{BPMN_NS}}}extensionElements/{{{CAMUNDA_NS}}}formData/"
                                    f"{{{CAMUNDA_NS}}}formField"):
            required = field.find(f"{{{CAMUNDA_NS}}}validation/{{{CAMUNDA_NS}}}constraint[@name='required']")
            if required is not None and (required.get("config") or "true").strip().lower() != "false":
                add(plain, f"the start form's field '{field.get('id')}' is required, but nobody answers it in "
                           f"the cases the timer start event '{event.get('id')}' opens (make it optional, or ask in a "
                           "user task)")


def _lint_time(event: Any, add: Any) -> None:
    definition = event.find(_TIMER)
    for kind, tag in _TIMES:
        element = definition.find(f"{{{BPMN_NS}}}{tag}")
        if element is None:
            continue
        text = (element.text or "").strip()
        unquoted = text[1:-1] if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"" else text
        if not text or timers.looks_literal(kind, unquoted) or timers.ISO_SHAPED.fullmatch(unquoted):
            return  # fine, or the timer's own check says what is wrong with it
        try:
            expressions.check(text)
        except EngineError:
            return  # neither ISO 8601 nor an expression: the timer's own check says so
        add(event, f"a timer start event's {kind} '{short(text)}' must be ISO 8601 text (e.g. R/P6W, P14D or "
                   "2027-01-11T08:00): there is no case data yet for an expression to read")
        return
