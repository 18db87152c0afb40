// Reading and writing an element's <camunda:properties><camunda:property name="…" value="…"/>,
// the way the engine's own settings are stored (docs/modeling.md). Writes go through the
// modeler's command stack, so undo and redo work and the properties panel refreshes.
import { getBusinessObject, is } from "bpmn-js/lib/util/ModelUtil";

function propertiesOf(businessObject) {
  const extensionElements = businessObject.get("extensionElements");
  const properties = extensionElements && extensionElements.get("values").find((value) => is(value, "camunda:Properties"));
  return { extensionElements, properties };
}

function findProperty(properties, name) {
  return properties ? properties.get("values").find((property) => property.get("name") === name) : undefined;
}

/** The value of the element's camunda:property `name`, or "" when it has none. */
export function propertyValue(element, name) {
  const property = findProperty(propertiesOf(getBusinessObject(element)).properties, name);
  return (property && property.get("value")) || "";
}

function update(element, moddleElement, properties) {
  return { cmd: "element.updateModdleProperties", context: { element, moddleElement, properties } };
}

/**
 * Set the element's camunda:property `name` to `value`, as one undoable command. An empty value
 * removes the property, and with it camunda:properties and extensionElements when they become empty.
 */
export function setProperty({ bpmnFactory, commandStack }, element, name, value) {
  const businessObject = getBusinessObject(element);
  let { extensionElements, properties } = propertiesOf(businessObject);
  const existing = findProperty(properties, name);
  const commands = [];

  if (!value) {
    if (!existing) return;
    const rest = properties.get("values").filter((property) => property !== existing);
    if (rest.length) {
      commands.push(update(element, properties, { values: rest }));
    } else {
      const others = extensionElements.get("values").filter((value) => value !== properties);
      commands.push(others.length
        ? update(element, extensionElements, { values: others })
        : update(element, businessObject, { extensionElements: undefined }));
    }
  } else if (existing) {
    commands.push(update(element, existing, { value }));
  } else {
    if (!extensionElements) {
      extensionElements = bpmnFactory.create("bpmn:ExtensionElements", { values: [] });
      extensionElements.$parent = businessObject;
      commands.push(update(element, businessObject, { extensionElements }));
    }
    if (!properties) {
      properties = bpmnFactory.create("camunda:Properties", { values: [] });
      properties.$parent = extensionElements;
      commands.push(update(element, extensionElements, { values: [...extensionElements.get("values"), properties] }));
    }
    const property = bpmnFactory.create("camunda:Property", { name, value });
    property.$parent = properties;
    commands.push(update(element, properties, { values: [...properties.get("values"), property] }));
  }
  commandStack.execute("properties-panel.multi-command-executor", commands);
}

/** The date fields (camunda:formField type="date") of the process the element belongs to. */
export function dateFields(element) {
  let process = getBusinessObject(element);
  while (process && !is(process, "bpmn:Process")) process = process.$parent;
  const found = new Map();
  const visit = (flowElements) => {
    for (const node of flowElements || []) {
      const extensionElements = node.get("extensionElements");
      for (const value of (extensionElements && extensionElements.get("values")) || []) {
        if (!is(value, "camunda:FormData")) continue;
        for (const field of value.get("fields")) {
          if (field.get("type") === "date" && field.get("id") && !found.has(field.get("id"))) {
            found.set(field.get("id"), field.get("label") || "");
          }
        }
      }
      if (is(node, "bpmn:SubProcess")) visit(node.get("flowElements"));
    }
  };
  if (process) visit(process.get("flowElements"));
  return [...found].map(([id, label]) => ({ id, label }));
}
