"""The OpenAPI 3.1 document of ``/api/v1``, served at ``/api/v1/openapi.json``."""

from __future__ import annotations

from typing import Any


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {
    "401": _json(_ref("Error"), "no valid bearer token: missing or unknown, expired, revoked, or its user "
                                "deactivated (the message says which)"),
    "403": _json(_ref("Error"), "not allowed for this user"),
    "404": _json(_ref("Error"), "no such thing, or not visible to this user"),
}

NULLABLE_DATETIME = {"type": ["string", "null"], "format": "date-time"}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object", "required": ["error", "message", "details"],
        "properties": {
            "error": {"type": "string", "description": "a code such as not_found, conflict, invalid_form_data"},
            "message": {"type": "string"},
            "details": {"type": "object", "description": "fields: {FIELD: message} on 422 form errors; "
                                                         "problems: [{element, message}] for invalid BPMN"},
        },
    },
    "Process": {
        "type": "object",
        "properties": {"key": {"type": "string"}, "name": {"type": "string"}, "version": {"type": "integer"},
                       "deployed_at": {"type": "string", "format": "date-time"}},
    },
    "FormField": {
        "type": "object",
        "properties": {
            "id": {"type": "string"}, "label": {"type": "string"},
            "type": {"enum": ["string", "long", "boolean", "date", "enum"]},
            "required": {"type": "boolean"},
            "options": {"type": "array", "items": {"type": "object", "properties": {
                "id": {"type": "string"}, "label": {"type": "string"}}}},
            "default": {"type": ["string", "null"]}, "readonly": {"type": "boolean"},
            "min": {"type": ["string", "null"]}, "max": {"type": ["string", "null"]},
            "minlength": {"type": ["integer", "null"]}, "maxlength": {"type": ["integer", "null"]},
        },
    },
    "Task": {
        "type": "object",
        "properties": {
            "id": {"type": "string"}, "case_id": {"type": "string"}, "process": {"type": "string"},
            "name": {"type": "string", "description": "the BPMN element id"}, "title": {"type": "string"},
            "candidate_groups": {"type": "array", "items": {"type": "string"}},
            "candidate_users": {"type": "array", "items": {"type": "string"}},
            "assignee": {"type": ["string", "null"]},
            "due_at": NULLABLE_DATETIME, "follow_up_at": NULLABLE_DATETIME,
            "created_at": {"type": "string", "format": "date-time"},
            "form": {"type": "object", "properties": {"fields": {"type": "array", "items": _ref("FormField")}}},
        },
    },
    "Notification": {
        "type": "object",
        "properties": {"id": {"type": "string"}, "kind": {"enum": ["reminder", "escalation", "info"]},
                       "case_id": {"type": "string"}, "task_id": {"type": ["string", "null"]},
                       "recipient": {"type": "string", "description": "a user, or a role with its intervention"},
                       "created_at": {"type": "string", "format": "date-time"}, "subject": {"type": "string"}},
    },
    "Participant": {
        "type": "object", "required": ["name", "personnummer"],
        "properties": {"name": {"type": "string"},
                       "personnummer": {"type": "string", "description": "YYYYMMDD-NNNN, checked with its check "
                                        "digit; in answers masked as YYYYMMDD-**** unless revealed"},
                       "municipality": {"type": ["string", "null"]},
                       "skyddad": {"type": "boolean", "description": "protected identity (skyddade "
                                   "personuppgifter): the name and number are shown only to the users the case "
                                   "names, the one who registered it first; to everyone else the name is "
                                   "'Skyddad identitet' and the number empty"}},
    },
    "Case": {
        "type": "object",
        "properties": {
            "id": {"type": "string"}, "process": {"type": "string"}, "version": {"type": "integer"},
            "status": {"enum": ["open", "paused", "completed", "cancelled"]},
            "participant": _ref("Participant"), "data": {"type": "object"},
            "open_tasks": {"type": "array", "items": _ref("Task")},
            "next_due_at": NULLABLE_DATETIME,
            "timers": {"type": "array", "items": {"type": "object", "properties": {
                "element": {"type": "string"}, "title": {"type": "string"},
                "due_at": {"type": "string", "format": "date-time"}}}},
            "waiting_messages": {"type": "array", "items": {"type": "string"}},
            "waiting_signals": {"type": "array", "items": {"type": "string"}},
            "incident": {"type": ["object", "null"]},
            "history": {"type": "array", "items": {"type": "object", "properties": {
                "at": {"type": "string", "format": "date-time"}, "event": {"type": "string"},
                "actor": {"type": "string"}, "element": {"type": ["string", "null"]}, "details": {"type": "object"}}}},
        },
    },
    "CaseSummary": {
        "type": "object",
        "properties": {"id": {"type": "string"}, "process": {"type": "string"}, "version": {"type": "integer"},
                       "status": {"type": "string"}, "participant": {"type": "object"},
                       "next_due_at": NULLABLE_DATETIME, "incident": {"type": "boolean"}},
    },
}


def _op(summary: str, responses: dict[str, Any], *, body: dict[str, Any] | None = None,
        params: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    operation: dict[str, Any] = {"summary": summary, "responses": {**responses, **ERRORS}}
    if body is not None:
        operation["requestBody"] = body
    if params:
        operation["parameters"] = params
    return operation


def _path_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _query(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": {"type": "string"}, "description": description}


#: A list's paging: at most ``limit`` items (1–500, default 500), from ``offset`` on, in the list's order.
PAGING = [{"name": "limit", "in": "query", "required": False,
           "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 500},
           "description": "at most this many items"},
          {"name": "offset", "in": "query", "required": False,
           "schema": {"type": "integer", "minimum": 0, "default": 0}, "description": "skip this many items first"}]


def document(simulated_clock: bool) -> dict[str, Any]:
    task_ok = {"200": _json(_ref("Task"), "the task"), "409": _json(_ref("Error"), "claimed by someone else")}
    paths: dict[str, Any] = {
        "/processes": {
            "get": _op("The newest version of every process", {"200": _json({"type": "array", "items": _ref("Process")},
                                                                              "processes")}),
            "post": _op("Deploy BPMN (raw XML body, or multipart field 'file', repeatable with DMN files)",
                        {"201": _json({"type": "object"}, "{key, version, processes}"),
                         "422": _json(_ref("Error"), "invalid BPMN: details.problems")},
                        body={"content": {"application/xml": {"schema": {"type": "string"}},
                                          "multipart/form-data": {"schema": {"type": "object", "properties": {
                                              "file": {"type": "string", "format": "binary"}}}}}}),
        },
        "/cases": {
            "post": _op("Start a case for a participant",
                        {"201": _json(_ref("Case"), "the new case"),
                         "409": _json(_ref("Error"), "the person has an open case in that intervention"),
                         "422": _json(_ref("Error"), "invalid participant or data: details.fields")},
                        body=_json({"type": "object", "required": ["process", "participant"], "properties": {
                            "process": {"type": "string"}, "participant": _ref("Participant"),
                            "data": {"type": "object"}}}, "the case to start")),
            "get": _op("Cases the caller may see", {"200": _json({"type": "array", "items": _ref("CaseSummary")},
                                                                 "cases")},
                       params=[_query("process", "a process key"),
                               _query("status", "open, paused, completed, cancelled"), *PAGING]),
        },
        "/cases/{id}": {"get": _op(
            "One case with its open tasks and history; the personnummer masked (YYYYMMDD-****) unless "
            "reveal=personnummer is asked by someone who may see it (logged; 403 for others)",
            {"200": _json(_ref("Case"), "the case"),
             "410": _json(_ref("Error"), "the case was purged (gallring): error gone, and details its "
                                         "tombstone {id, process, status, created_at, closed_at, purged_at}, "
                                         "no personal data; for admins, the intervention's staff and log "
                                         "reviewers (404 for others)")},
            params=[_path_param("id"), _query("reveal", "personnummer: the full number")])},
        "/cases/{id}/messages": {"post": _op(
            "Report an event to a case (e.g. samtycke_aterkallat); staff of the intervention and admins",
            {"202": _json({"type": "object"}, "delivered"),
             "409": _json(_ref("Error"), "the case does not wait for that message")},
            body=_json({"type": "object", "required": ["name"], "properties": {
                "name": {"type": "string"}, "data": {"type": "object"}}}, "the message"),
            params=[_path_param("id")])},
        "/processes/{key}/messages": {"post": _op(
            "A message to a process that opens its cases on it (a message start event): starts a case",
            {"201": _json(_ref("Case"), "the new case"),
             "409": _json(_ref("Error"), "the process does not open a case on that message")},
            body=_json({"type": "object", "required": ["name"], "properties": {
                "name": {"type": "string"}, "data": {"type": "object"}}}, "the message"),
            params=[_path_param("key")])},
        "/tasks": {"get": _op("Open tasks: the caller's work, one case's, or overdue",
                              {"200": _json({"type": "array", "items": _ref("Task")}, "tasks")},
                              params=[_query("case", "a case id"), _query("mine", "1: assigned to me"),
                                      _query("overdue", "1: past their due date"), *PAGING])},
        "/notifications": {"get": _op(
            "Reminders and escalations addressed to the caller (all of them for admins), newest first",
            {"200": _json({"type": "array", "items": _ref("Notification")}, "notifications")})},
        "/tasks/{id}/claim": {"post": _op("Take a task", task_ok, params=[_path_param("id")])},
        "/tasks/{id}/unclaim": {"post": _op("Give a task back to its groups", task_ok, params=[_path_param("id")])},
        "/tasks/{id}/complete": {"post": _op(
            "Complete a task with its form's data",
            {"200": _json({"type": "object", "properties": {"case": _ref("Case")}}, "the case after the step"),
             "409": _json(_ref("Error"), "the task is no longer open"),
             "422": _json(_ref("Error"), "invalid form data: details.fields; nothing changed")},
            body=_json({"type": "object", "properties": {"data": {"type": "object"}}}, "the form's values"),
            params=[_path_param("id")])},
    }
    if simulated_clock:
        clock = _json({"type": "object", "properties": {"now": {"type": "string", "format": "date-time"}}}, "the time")
        paths["/clock"] = {
            "get": _op("The simulated clock", {"200": clock}),
            "post": _op("Move the simulated clock forward, firing all that falls due on the way", {"200": clock},
                        body=_json({"type": "object", "properties": {
                            "advance": {"type": "string", "description": "ISO 8601 duration, e.g. P14D"},
                            "now": {"type": "string", "format": "date-time"}}}, "how far")),
        }
    return {
        "openapi": "3.1.0",
        "info": {"title": "samverkan API", "version": "1",
                 "description": "Participant journeys of Finsam interventions. Authorization: Bearer TOKEN "
                                "(samverkan token create USERNAME; a token works for 90 days unless "
                                "the administrator chose otherwise)."},
        "servers": [{"url": "/api/v1"}],
        "components": {"schemas": SCHEMAS,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": paths,
    }
