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
TIMER_FIRED = "TimerFired"
MESSAGE_RECEIVED = "MessageReceived"
DATA_CORRECTED = "DataCorrected"
INCIDENT_RAISED = "IncidentRaised"
INCIDENT_RESOLVED = "IncidentResolved"

ALL = (
    CASE_STARTED, CASE_COMPLETED, CASE_CANCELLED, CASE_PAUSED, CASE_RESUMED,
    TASK_CREATED, TASK_CLAIMED, TASK_UNCLAIMED, TASK_ASSIGNED, TASK_COMPLETED,
    TIMER_FIRED, MESSAGE_RECEIVED, DATA_CORRECTED, INCIDENT_RAISED, INCIDENT_RESOLVED,
)
