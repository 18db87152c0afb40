"""Swedish names for what the engine reports in ids: history events, case statuses, messages, roles."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask, current_app, g, has_app_context
from flask_babel import lazy_gettext as _l

from engine import events

EVENTS = {
    events.CaseStarted.event: _l("Ärendet startades"),
    events.CaseCompleted.event: _l("Ärendet avslutades"),
    events.CaseCancelled.event: _l("Ärendet stängdes"),
    events.CasePaused.event: _l("Ärendet pausades"),
    events.CaseResumed.event: _l("Ärendet återupptogs"),
    events.TaskCreated.event: _l("Uppgift skapad"),
    events.TaskClaimed.event: _l("Uppgift tagen"),
    events.TaskUnclaimed.event: _l("Uppgift lämnad tillbaka"),
    events.TaskAssigned.event: _l("Uppgift tilldelad"),
    events.TaskCompleted.event: _l("Uppgift slutförd"),
    events.TaskWithdrawn.event: _l("Uppgift återkallad"),
    events.TaskReminded.event: _l("Påminnelse skickad"),
    events.TaskEscalated.event: _l("Eskalerad"),
    events.TimerFired.event: _l("Tidsgräns nådd"),
    events.MessageReceived.event: _l("Händelse rapporterad"),
    events.MessageSent.event: _l("Besked skickat till andra ärenden"),
    events.SignalReceived.event: _l("Signal från ett annat ärende"),
    events.DataCorrected.event: _l("Uppgifter rättade"),
    events.IdentityProtectionChanged.event: _l("Skydd av identiteten ändrat"),
    events.ConsentRenewed.event: _l("Samtycket förnyat"),
    events.IncidentRaised.event: _l("Fel i processen"),
    events.IncidentResolved.event: _l("Fel åtgärdat"),
    events.NoticeSent.event: _l("Meddelande skickat"),
    events.InvitationSent.event: _l("Kalenderinbjudan skickad"),
    events.InvitationSkipped.event: _l("Kalenderinbjudan kunde inte skickas (inget datum)"),
    events.InvitationCancelled.event: _l("Mötet ställdes in i kalendrarna"),
    events.CaseMigrated.event: _l("Ärendet flyttades till en ny version av processen"),
}

STATUSES = {
    "open": _l("Pågår"),
    "paused": _l("Pausat"),
    "completed": _l("Avslutat"),
    "cancelled": _l("Stängt"),
}

MESSAGES = {
    "samtycke_aterkallat": _l("Samtycket återkallat"),
    "sjukskrivning_rapporterad": _l("Sjukskrivning rapporterad"),
    "sjukskrivning_avslutad": _l("Sjukskrivningen avslutad"),
    "urval_genomfort": _l("Urvalet genomfört"),
}

NOTIFICATION_KINDS = {
    "reminder": _l("Påminnelse"),
    "escalation": _l("Eskalering"),
    "info": _l("Meddelande"),
    "notice": _l("Meddelande"),
    "invitation": _l("Kallelse"),
    "cancellation": _l("Inställt möte"),
}

#: The outbox's statuses (engine.views.operations.Delivery), on the operations page.
DELIVERY_STATUSES = {
    "pending": _l("väntar"),
    "sent": _l("skickade"),
    "failed": _l("misslyckade"),
    "discarded": _l("slängda"),
    "expanded": _l("uppdelade per mottagare"),
    "skipped": _l("utan mottagare"),
}

#: The roles of the shipped product (web/accounts/models.py PRODUCT_ROLES and the candidate groups of
#: the journeys in processes/), as people call them (a test checks each has one). A role a journey or
#: an administrator adds later is shown by the label given on the administrators' page, or as written.
ROLES = {
    "teamledare": _l("Teamledare"),
    "arbetscoach": _l("Arbetscoach"),
    "arbetsterapeut": _l("Arbetsterapeut"),
    "sius-konsulent": _l("SIUS-konsulent"),
    "koordinator": _l("Koordinator"),
    "rekryteringsgrupp": _l("Rekryteringsgruppen"),
    "handlaggare": _l("Handläggare"),
    "arbetsgivarkontakt": _l("Arbetsgivarkontakt"),
    "styrgrupp": _l("Styrgruppen"),
    "remittent": _l("Remittent"),
    "processdesigner": _l("Processdesigner"),
    "logggranskare": _l("Logggranskare"),
    "admin": _l("Administratör"),
}


#: What the access log records (web/access_log.py callers), as the log review shows it.
ACCESS_ACTIONS = {
    "case.read": _l("Läste ärendet"),
    "task.read": _l("Läste en uppgift"),
    "personnummer.shown": _l("Visade hela personnumret"),
    "case.started": _l("Registrerade deltagaren"),
    "case.noted": _l("Skrev en anteckning"),
    "task.commented": _l("Kommenterade en uppgift"),
    "register.extract": _l("Tog fram ett registerutdrag"),
    "accesslog.extract": _l("Tog fram ett loggutdrag"),
    "identity.shown": _l("Såg en skyddad identitet"),
    "identity.protected": _l("Skyddade deltagarens identitet"),
    "identity.unprotected": _l("Tog bort skyddet av deltagarens identitet"),
    "consent.renewed": _l("Registrerade ett förnyat samtycke"),
}
#: Actions with a name after them (``task.completed.<element>``, ``message.<message>``).
ACCESS_ACTION_PREFIXES = {
    "task.completed.": _l("Slutförde en uppgift"),
    "message.": _l("Rapporterade en händelse"),
}


def access_action_label(action: str) -> str:
    """An access log entry's action in Swedish (an unknown one as it was written)."""
    if action in ACCESS_ACTIONS:
        return str(ACCESS_ACTIONS[action])
    for prefix, text in ACCESS_ACTION_PREFIXES.items():
        if action.startswith(prefix):
            rest = action.removeprefix(prefix)
            return f"{text}: {label(MESSAGES, rest)}" if prefix == "message." and rest in MESSAGES else str(text)
    return action


def role_label(role: str) -> str:
    """A role as people call it: ``ROLES``, else the label an administrator gave it when adding it
    to the role catalogue (read once per request), else the name as written."""
    if role in ROLES or not has_app_context():
        return label(ROLES, role)
    added = g.get("added_role_labels")
    if added is None:
        accounts = current_app.extensions.get("samverkan.accounts")
        added = {r.name: r.label for r in accounts.added_roles.all()} if accounts is not None else {}
        g.added_role_labels = added
    return added.get(role) or label(ROLES, role)


def roles_label(roles: Iterable[str]) -> str:
    """Several roles by name, in the order given: "Teamledare, Arbetscoach"."""
    return ", ".join(role_label(r) for r in roles)


def label(table: dict[str, object], key: str) -> str:
    value = table.get(key)
    return str(value) if value is not None else key.replace("_", " ").capitalize()


def init(app: Flask) -> None:
    """The templates' names for ids: ``event_label``, ``status_label``, ``message_label``, ``kind_label``,
    ``delivery_status_label``, ``role_label`` and ``roles_label``."""
    app.jinja_env.globals.update(
        event_label=lambda key: label(EVENTS, key),
        status_label=lambda key: label(STATUSES, key),
        message_label=lambda key: label(MESSAGES, key),
        kind_label=lambda key: label(NOTIFICATION_KINDS, key),
        delivery_status_label=lambda key: label(DELIVERY_STATUSES, key),
        role_label=role_label,
        roles_label=roles_label,
    )
