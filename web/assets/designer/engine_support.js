// What the properties panel offers that the engine does not run: the groups and entries of the
// Camunda 7 provider whose attributes the engine ignores (they would change nothing) or that
// validation refuses (docs/modeling.md, "What validation refuses"; engine/definitions/validation/).
// Everything else stays: roles and dates of user tasks, forms, timers, conditions, messages,
// decision references, output parameters, multi-instance collections, documentation.

/** Groups (by id) that are hidden whole. */
export const HIDDEN_GROUPS = new Set([
  // ignored: no job executor, history, tasklist or process-start permissions in the engine
  "CamundaPlatform__AsynchronousContinuations",
  "CamundaPlatform__JobExecution",
  "CamundaPlatform__HistoryCleanup",
  "CamundaPlatform__Tasklist",
  "CamundaPlatform__CandidateStarter",
  "CamundaPlatform__StartInitiator",
  "CamundaPlatform__BusinessKey",
  // ignored: listeners, Java delegates' fields and connectors never run
  "CamundaPlatform__ExecutionListener",
  "CamundaPlatform__TaskListener",
  "CamundaPlatform__FieldInjection",
  "CamundaPlatform__ConnectorInput",
  "CamundaPlatform__ConnectorOutput",
  // refused: service tasks (external tasks and their errors), script tasks, input parameters
  "CamundaPlatform__ExternalTask",
  "CamundaPlatform__Errors",
  "CamundaPlatform__Script",
  "CamundaPlatform__Input",
  // ignored: a called process sees the case data; camunda:in/out mappings are not read
  "CamundaPlatform__InMapping",
  "CamundaPlatform__InMappingPropagation",
  "CamundaPlatform__OutMapping",
  "CamundaPlatform__OutMappingPropagation",
]);

/** Entries (by id) that are hidden from the groups that stay. */
export const HIDDEN_ENTRIES = new Set([
  // General: the engine versions a process itself (a version per publication)
  "versionTag",
  // Multi-instance: no asynchronous continuations or job retries
  "multiInstanceAsynchronousBefore",
  "multiInstanceAsynchronousAfter",
  "multiInstanceExclusive",
  "multiInstanceRetryTimeCycle",
  // Business rule task: the decision is the one deployed with the process; its output columns
  // become case data, so binding, version, tenant and result mapping are not read
  "decisionRefBinding",
  "decisionRefVersion",
  "decisionRefVersionTag",
  "decisionRefTenantId",
  "decisionRefResultVariable",
  "mapDecisionResult",
  // Call activity: only calledElement is read
  "calledElementBinding",
  "calledElementVersion",
  "calledElementVersionTag",
  "calledElementTenantId",
  "calledElementBusinessKey",
  "calledElementBusinessKeyExpression",
  "calledElementDelegateVariableMappingType",
  "calledElementVariableMappingClass",
  "calledElementVariableMappingDelegateExpression",
  // Error events: the error's code and message are not put into variables
  "errorCodeVariable",
  "errorMessageVariable",
  "escalationCodeVariable",
]);

/** The groups without what the engine ignores or refuses. */
export function withoutIgnored(groups) {
  return groups
    .filter((group) => !HIDDEN_GROUPS.has(group.id))
    .map((group) => (group.entries ? { ...group, entries: group.entries.filter((entry) => !HIDDEN_ENTRIES.has(entry.id)) } : group));
}
