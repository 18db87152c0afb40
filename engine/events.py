"""The names of what happens to a case, in the past tense, as written to its history."""

CASE_STARTED = "CaseStarted"
CASE_COMPLETED = "CaseCompleted"
CASE_CANCELLED = "CaseCancelled"
CASE_PAUSED = "CasePaused"
CASE_RESUMED = "CaseResumed"
TASK_CREATED = "TaskCreated"
TASK_CLAIMED = "TaskClaimed"
TASK_UNCLAIMED = "TaskUnclaimed"
TASK_ASSIGNED = "TaskAssigned"
TASK_COMPLETED = "TaskCompleted"
TASK_REMINDED = "TaskReminded"
TASK_ESCALATED = "TaskEscalated"
TIMER_FIRED = "TimerFired"
MESSAGE_RECEIVED = "MessageReceived"
DATA_CORRECTED = "DataCorrected"
INCIDENT_RAISED = "IncidentRaised"
INCIDENT_RESOLVED = "IncidentResolved"
NOTICE_SENT = "NoticeSent"  # a model's notice (meddela) was handed to the outbox
INVITATION_SENT = "InvitationSent"  # a meeting task's calendar invitation was handed to the outbox
INVITATION_SKIPPED = "InvitationSkipped"  # a meeting task had no date to invite to
INVITATION_CANCELLED = "InvitationCancelled"  # a meeting task went away undone: its invitation withdrawn
CASE_MIGRATED = "CaseMigrated"  # a process designer moved the case to another version of its process

ALL = (
    CASE_STARTED, CASE_COMPLETED, CASE_CANCELLED, CASE_PAUSED, CASE_RESUMED,
    TASK_CREATED, TASK_CLAIMED, TASK_UNCLAIMED, TASK_ASSIGNED, TASK_COMPLETED, TASK_REMINDED, TASK_ESCALATED,
    TIMER_FIRED, MESSAGE_RECEIVED, DATA_CORRECTED, INCIDENT_RAISED, INCIDENT_RESOLVED,
    NOTICE_SENT, INVITATION_SENT, INVITATION_SKIPPED, INVITATION_CANCELLED, CASE_MIGRATED,
)
