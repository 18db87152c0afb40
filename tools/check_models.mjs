// Reads BPMN and DMN files the way bpmn-js and dmn-js do (bpmn-moddle / dmn-moddle with the Camunda
// extension) and prints, per file, every import warning and every flow element without a diagram
// shape or edge. Output: one JSON object per file on its own line. Exit code 1 if anything is found.
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { BpmnModdle } from "bpmn-moddle";
import { DmnModdle } from "dmn-moddle";
import camunda from "camunda-bpmn-moddle/resources/camunda.json" with { type: "json" };

const bpmn = new BpmnModdle({ camunda });
const dmn = new DmnModdle();

function flowElements(container, found = []) {
  for (const element of container.flowElements || []) {
    found.push(element);
    if (element.flowElements) flowElements(element, found);
  }
  return found;
}

async function check(path) {
  const xml = readFileSync(path, "utf8");
  if (path.endsWith(".dmn")) {
    const { warnings } = await dmn.fromXML(xml, "dmn:Definitions");
    return { file: basename(path), warnings: warnings.map((w) => w.message), undrawn: [] };
  }
  const { rootElement, warnings } = await bpmn.fromXML(xml, "bpmn:Definitions");
  const drawn = new Set();
  for (const diagram of rootElement.diagrams || []) {
    for (const shape of diagram.plane.planeElement || []) {
      if (shape.bpmnElement) drawn.add(shape.bpmnElement.id);
    }
  }
  const undrawn = [];
  for (const process of rootElement.rootElements.filter((e) => e.$type === "bpmn:Process")) {
    for (const element of flowElements(process)) {
      if (!drawn.has(element.id)) undrawn.push(element.id);
    }
  }
  return { file: basename(path), warnings: warnings.map((w) => w.message), undrawn };
}

let failed = false;
for (const path of process.argv.slice(2)) {
  try {
    const result = await check(path);
    failed ||= result.warnings.length > 0 || result.undrawn.length > 0;
    console.log(JSON.stringify(result));
  } catch (error) {
    failed = true;
    console.log(JSON.stringify({ file: basename(path), error: String(error.message || error) }));
  }
}
process.exit(failed ? 1 : 0);
