"""Swedish names for what the engine reports in ids: history events, case statuses, messages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

EVENTS = {
    "CaseStarted": _l("Ärendet startades"),
    "CaseCompleted": _l("Ärendet avslutades"),
    "CaseCancelled": _l("Ärendet stängdes"),
    "CasePaused": _l("Ärendet pausades"),
    "CaseResumed": _l("Ärendet återupptogs"),
    "TaskCreated": _l("Uppgift skapad"),
    "TaskClaimed": _l("Uppgift tagen"),
    "TaskUnclaimed": _l("Uppgift lämnad tillbaka"),
    "TaskAssigned": _l("Uppgift tilldelad"),
    "TaskCompleted": _l("Uppgift slutförd"),
    "TaskReminded": _l("Påminnelse skickad"),
    "TaskEscalated": _l("Eskalerad"),
    "TimerFired": _l("Tidsgräns nådd"),
    "MessageReceived": _l("Händelse rapporterad"),
    "DataCorrected": _l("Uppgifter rättade"),
    "IncidentRaised": _l("Fel i processen"),
    "IncidentResolved": _l("Fel åtgärdat"),
    "NoticeSent": _l("Meddelande skickat"),
    "InvitationSent": _l("Kalenderinbjudan skickad"),
    "InvitationSkipped": _l("Kalenderinbjudan kunde inte skickas (inget datum)"),
    "InvitationCancelled": _l("Mötet ställdes in i kalendrarna"),
    "CaseMigrated": _l("Ärendet flyttades till en ny version av processen"),
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

#: Who refers participants: the authorities of a samordningsförbund.
REFERRERS = ("Arbetsförmedlingen", "Försäkringskassan", "Kommunen (socialtjänst)", "Regionen (hälso- och sjukvård)")


def label(table: dict[str, object], key: str) -> str:
    value = table.get(key)
    return str(value) if value is not None else key.replace("_", " ").capitalize()
