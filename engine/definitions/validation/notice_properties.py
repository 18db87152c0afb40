"""Checks of the notice properties (``meddela``, ``meddelande``, ``kalender``, ``kalender_till``)."""

from __future__ import annotations

from typing import Any

from engine.definitions.validation.common import BPMN_NS, CAMUNDA_NS, local, short
from engine.definitions.validation.user_tasks import SHARED_WITH_REFERRER
from engine.language import notice_templates

#: Elements that are "done" at a moment the engine sees, so a notice can be sent then.
NOTIFYING = {
    "userTask", "manualTask", "task", "businessRuleTask", "startEvent", "intermediateThrowEvent",
    "intermediateCatchEvent", "boundaryEvent", "endEvent",
}


def lint_notices(process: Any, add: Any) -> None:
    fields = notice_templates.form_fields(process)
    shared = {name for name, marks in sharing(process).items() if marks == {True}}
    for node in process.iter(f"{{{BPMN_NS}}}*"):
        props = notice_templates.properties(node)
        if any(props.get(p) for p in notice_templates.PROPERTIES):
            _lint_element(node, props, fields, shared, add)


def sharing(process: Any) -> dict[str, set[bool]]:
    """Every form field id of the process, and whether its forms share it with the referrer
    (``delas_med_remittent``): {True} when all do — what she may read, so what a notice to her may name."""
    marks: dict[str, set[bool]] = {}
    for field in process.iter(f"{{{CAMUNDA_NS}}}formField"):
        properties = field.iterfind(f"{{{CAMUNDA_NS}}}properties/{{{CAMUNDA_NS}}}property")
        value = next((p.get("value") or "" for p in properties if p.get("id") == SHARED_WITH_REFERRER), "")
        marks.setdefault(field.get("id") or "", set()).add(value.strip() == "ja")
    return marks


def lint_sharing(process: Any, add: Any) -> None:
    """Warn of a field shared with the referrer in one form and not in another: she then sees none of it."""
    for name, seen in sorted(sharing(process).items()):
        if len(seen) > 1:
            add(process, f"form field '{name}' is shared with the referrer (delas_med_remittent) in one form and not "
                         "in another; she sees it only when every form that asks it shares it", "warning")


def _lint_for_the_referrer(node: Any, template: str, shared: set[str], add: Any) -> None:
    try:
        used = notice_templates.placeholders(template)
    except notice_templates.TemplateError:
        return  # said by _lint_template
    for name in dict.fromkeys(used):
        if name not in notice_templates.CONTEXT and name not in shared:
            add(node, f"meddelande: {{{name}}} goes to the referrer (meddela: remittent), but the model does not "
                      "share that field with her (delas_med_remittent)")


def _lint_element(node: Any, props: dict[str, str], fields: dict[str, tuple[str, dict[str, str]]],
                  shared: set[str], add: Any) -> None:
    kind = local(node)
    user_task = kind == "userTask"
    send, message = props.get(notice_templates.SEND, ""), props.get(notice_templates.MESSAGE, "")
    if (send or message) and kind not in NOTIFYING:
        add(node, f"a <{kind}> cannot send a notice (meddela); put it on a task or an event")
        return
    if send and not message:
        add(node, "meddela names who to tell but there is no meddelande (the text to send)")
    if message and not send:
        add(node, "meddelande has a text but meddela names nobody to send it to")
    for name in notice_templates.names(send):
        problem = notice_templates.recipient_problem(name, user_task)
        if problem:
            add(node, f"meddela: {problem}")
    if message:
        _lint_template(node, message, fields, add)
        if "remittent" in notice_templates.names(send):
            _lint_for_the_referrer(node, message, shared, add)
    calendar, calendar_to = props.get(notice_templates.CALENDAR, ""), props.get(notice_templates.CALENDAR_TO, "")
    if (calendar or calendar_to) and not user_task:
        add(node, "kalender marks a meeting task: only a user task can send a calendar invitation")
        return
    if calendar_to and not calendar:
        add(node, "kalender_till names who to invite but kalender names no date")
    if calendar and calendar != notice_templates.DUE_DATE:
        field_type = fields.get(calendar, ("", {}))[0]
        if field_type != "date":
            add(node, f"kalender '{short(calendar)}' is neither {notice_templates.DUE_DATE} (the task's due date) "
                      "nor a date field of the process's forms")
    if calendar == notice_templates.DUE_DATE and not node.get("{http://camunda.org/schema/1.0/bpmn}dueDate"):
        add(node, f"kalender is {notice_templates.DUE_DATE} but the task has no due date (camunda:dueDate)")
    for name in notice_templates.names(calendar_to):
        problem = notice_templates.recipient_problem(name, user_task)
        if problem:
            add(node, f"kalender_till: {problem}")


def _lint_template(node: Any, template: str, fields: dict[str, tuple[str, dict[str, str]]], add: Any) -> None:
    if len(template) > notice_templates.MAX_TEMPLATE:
        add(node, f"meddelande is longer than {notice_templates.MAX_TEMPLATE} characters")
        return
    try:
        used = notice_templates.placeholders(template)
    except notice_templates.TemplateError as err:
        add(node, f"meddelande: {err}")
        return
    for name in dict.fromkeys(used):
        if name in notice_templates.CONTEXT:
            continue
        field_type = fields.get(name, (None, {}))[0]
        if field_type is None:
            known = ", ".join(notice_templates.CONTEXT)
            add(node, f"meddelande: unknown placeholder {{{name}}} (use {known}, or a date, number, yes/no or "
                      "choice field of the process's forms)")
        elif field_type not in notice_templates.SAFE_TYPES:
            add(node, f"meddelande: {{{name}}} is a free-text field; its text may hold sensitive information and "
                      "is never mailed (use a date, number, yes/no or choice field)")
