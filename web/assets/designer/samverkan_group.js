// The properties panel's group "Samverkan": the engine's own settings of an element
// (docs/modeling.md), each with an input of its own instead of a raw camunda:property pair.
// Labels and help texts are English keys of the translate service (Swedish in
// shared/translations_sv.json).
import { h } from "@bpmn-io/properties-panel/preact";
import { useEffect, useRef } from "@bpmn-io/properties-panel/preact/hooks";
import {
  CheckboxEntry,
  Group,
  SelectEntry,
  TextAreaEntry,
  TextFieldEntry,
  isCheckboxEntryEdited,
  isSelectEntryEdited,
  isTextAreaEntryEdited,
  isTextFieldEntryEdited,
} from "@bpmn-io/properties-panel";
import { useService } from "bpmn-js-properties-panel";
import { getBusinessObject, is } from "bpmn-js/lib/util/ModelUtil";
import { dateFields, propertyValue, setProperty } from "./camunda_properties.js";

/** The property names this group edits (the Extension properties group leaves them out). */
export const SAMVERKAN_PROPERTIES = [
  "eskalera_till", "meddela", "meddelande", "kalender", "kalender_till",
  "samtidiga_uppgifter", "pausar_arendet", "stangs_med_aktiviteten", "under_paus",
];

/** Elements that can send a notice when they are done (engine/definitions/validation/notice_properties.py). */
const NOTIFYING = [
  "bpmn:UserTask", "bpmn:ManualTask", "bpmn:BusinessRuleTask", "bpmn:StartEvent", "bpmn:IntermediateThrowEvent",
  "bpmn:IntermediateCatchEvent", "bpmn:BoundaryEvent", "bpmn:EndEvent",
];
/** Recipients without an argument; `roll:<role>` and `anvandare:<name>` are the others. */
const RECIPIENTS = ["remittent", "kontaktpersoner"];
const TASK_RECIPIENTS = ["tilldelad", "kandidatgrupper"];
const DUE_DATE = "forfallodatum";

function isPlainTask(element) {
  return is(element, "bpmn:Task") && getBusinessObject(element).$type === "bpmn:Task";
}

function hasTimer(element) {
  return (getBusinessObject(element).get("eventDefinitions") || []).some((definition) => is(definition, "bpmn:TimerEventDefinition"));
}

/** Read and write one camunda:property from an entry. */
function useProperty(element, name) {
  const bpmnFactory = useService("bpmnFactory");
  const commandStack = useService("commandStack");
  return {
    getValue: () => propertyValue(element, name),
    setValue: (value) => setProperty({ bpmnFactory, commandStack }, element, name, value),
  };
}

/**
 * A text field offering `suggestions` in a datalist. For a comma-separated list the suggestions
 * complete the last name: what is typed before the last comma is kept.
 */
function SuggestingTextField({ element, id, label, description, name, suggestions }) {
  const translate = useService("translate");
  const debounce = useService("debounceInput");
  const property = useProperty(element, name);
  const host = useRef(null);
  const listId = `${id}-suggestions`;
  const value = property.getValue();
  const head = value.includes(",") ? value.slice(0, value.lastIndexOf(",") + 1) : "";
  const chosen = new Set(value.split(",").map((part) => part.trim()));
  useEffect(() => {
    const input = host.current && host.current.querySelector("input");
    if (input) input.setAttribute("list", listId);
  });
  return h("div", { ref: host },
    TextFieldEntry({ element, id, label: translate(label), description: translate(description), debounce, ...property }),
    h("datalist", { id: listId }, suggestions.filter((s) => !chosen.has(s)).map((s) => h("option", { value: head + s }))));
}

// Entries pass their settings as props (the panel's Group spreads an entry into its component's
// props), so that each component is one function for good and keeps its input while re-rendering.
function textEntry(name, label, description, suggestions) {
  return { id: `samverkan-${name}`, component: SuggestingTextField, isEdited: isTextFieldEntryEdited, name, label, description, suggestions };
}

function MessageText({ element, id }) {
  const translate = useService("translate");
  const debounce = useService("debounceInput");
  return TextAreaEntry({
    element, id, debounce, rows: 4,
    label: translate("Message text"),
    description: translate("The text sent. {deltagare}, {insats}, {uppgift}, {arende}, {datum} and the process's date, number, yes/no and choice fields are filled in; free-text fields are refused, as they may hold sensitive information. Write {{ and }} for braces."),
    ...useProperty(element, "meddelande"),
  });
}

function CalendarDate({ element, id }) {
  const translate = useService("translate");
  const property = useProperty(element, "kalender");
  const getOptions = () => {
    const options = [
      { value: "", label: translate("<none>") },
      { value: DUE_DATE, label: translate("The task's due date ({name})", { name: DUE_DATE }) },
      ...dateFields(element).map((field) => ({ value: field.id, label: field.label ? `${field.label} (${field.id})` : field.id })),
    ];
    const current = property.getValue();
    if (current && !options.some((option) => option.value === current)) options.push({ value: current, label: current });
    return options;
  };
  return SelectEntry({
    element, id, getOptions,
    label: translate("Calendar invitation"),
    description: translate("Makes the task a meeting: when it appears, a calendar invitation goes out for the date in this date field, or for the task's own due date."),
    ...property,
  });
}

/** A yes/no property: ticked writes `yes`, unticked removes the property (the engine's default, no). */
function Flag({ element, id, name, label, description, yes }) {
  const translate = useService("translate");
  const property = useProperty(element, name);
  return CheckboxEntry({
    element, id,
    label: translate(label),
    description: translate(description),
    getValue: () => ["ja", "true", "löper", "loper"].includes(property.getValue().trim().toLowerCase()),
    setValue: (checked) => property.setValue(checked ? yes : ""),
  });
}

function flagEntry(name, label, description, yes) {
  return { id: `samverkan-${name}`, component: Flag, isEdited: isCheckboxEntryEdited, name, label, description, yes };
}

function entriesFor(element, roles) {
  const userTask = is(element, "bpmn:UserTask");
  const notifying = NOTIFYING.some((type) => is(element, type)) || isPlainTask(element);
  const recipients = [...RECIPIENTS, ...(userTask ? TASK_RECIPIENTS : []), ...roles.map((role) => `roll:${role}`)];
  const entries = [];
  if (userTask) {
    entries.push(textEntry("eskalera_till", "Escalate to",
      "The roles that get the escalation when the task's due date has passed (comma-separated). Empty: its candidate groups. The one who holds the task is always told.",
      roles));
  }
  if (notifying) {
    entries.push(textEntry("meddela", "Notify",
      "Who is told when the element is done (comma-separated): remittent, kontaktpersoner, anvandare:<name>, roll:<role>, and on user tasks tilldelad and kandidatgrupper.",
      recipients));
    entries.push({ id: "samverkan-meddelande", component: MessageText, isEdited: isTextAreaEntryEdited });
  }
  if (userTask) {
    entries.push({ id: "samverkan-kalender", component: CalendarDate, isEdited: isSelectEntryEdited });
    entries.push(textEntry("kalender_till", "Invite",
      "Who is invited (the names of Notify). Empty: the one who holds the task, or else its candidate groups.",
      recipients));
    entries.push(textEntry("samtidiga_uppgifter", "Open at the same time",
      "How many of this task may be open at once, for a task a repeating event starts: a whole number, or obegränsat.",
      ["obegränsat"]));
    entries.push(flagEntry("pausar_arendet", "Pauses the case",
      "While the task is open the case stands still: no timers, reminders or escalations. It goes on by itself when the task is done or interrupted.",
      "ja"));
    entries.push(flagEntry("stangs_med_aktiviteten", "Closes with its activity",
      "The task is withdrawn from the inbox as soon as the activity its boundary event watches has ended.",
      "ja"));
  }
  if ((is(element, "bpmn:BoundaryEvent") || is(element, "bpmn:IntermediateCatchEvent")) && hasTimer(element)) {
    entries.push(flagEntry("under_paus", "Runs during a pause",
      "A limit counted in calendar time: it is not moved when the case is paused, and if it fell due during the pause it fires as soon as the case goes on.",
      "löper"));
  }
  return entries;
}

/** The group for `element`, or null when the engine has no settings of its own for it. */
export function samverkanGroup(element, roles, translate) {
  const entries = entriesFor(element, roles);
  return entries.length ? { id: "samverkan", label: translate("Samverkan"), component: Group, entries } : null;
}
