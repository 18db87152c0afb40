// BPMN designer: bpmn-js Modeler with the properties panel for Camunda 7 ("Camunda Platform")
// attributes, less what the engine does not run and plus the group "Samverkan" (designer/), in
// the page's language (shared/translate.js), with a minimap and zoom buttons; server-side
// validation on every change and "Save draft".
//
// Page contract (see docs/frontend.md):
//
//   <div id="designer" data-xml-url="…" data-save-url="…" data-validate-url="…" data-csrf-token="…"
//        data-roles='["teamledare", …]'>
//     <div id="designer-canvas"></div>
//     <div id="designer-properties"></div>
//     <div id="designer-problems"></div>
//     <button type="button" id="designer-save">Spara utkast</button>
//     <p id="designer-status" role="status" aria-live="polite"></p>
//   </div>
//
// Exposes window.samverkanDesigner = {modeler, getXml(), showProblems(problems), validate(), save()}.
import BpmnModeler from "bpmn-js/lib/Modeler";
import {
  BpmnPropertiesPanelModule,
  BpmnPropertiesProviderModule,
  CamundaPlatformPropertiesProviderModule,
} from "bpmn-js-properties-panel";
import CamundaPlatformBehaviorsModule from "camunda-bpmn-js-behaviors/lib/camunda-platform";
import camundaModdle from "camunda-bpmn-moddle/resources/camunda.json";
import { MinimapModule, addZoomControls, fitDiagram, makeMinimapToggleAccessible } from "./designer/navigation.js";
import RefusedElementsFilter from "./designer/refused_elements.js";
import { SamverkanPropertiesModule } from "./designer/samverkan_provider.js";
import { createEditor, part, problemBadge } from "./shared/editor.js";
import { translatePanelComponents } from "./designer/panel_translate.js";
import { translateModule, translator } from "./shared/translate.js";

const PROBLEM_MARKER = "has-problem";
const PROBLEM_OVERLAY = "samverkan-problem";

function problemMarkers(modeler) {
  const registry = modeler.get("elementRegistry");
  const canvas = modeler.get("canvas");
  const overlays = modeler.get("overlays");
  const selection = modeler.get("selection");
  let marked = [];

  // The process (or collaboration) is the canvas's root: it has no shape to mark, and the
  // properties panel shows it when nothing is selected.
  const isRoot = (element) => !element.parent;

  function reveal(id) {
    const element = registry.get(id);
    if (!element) return;
    if (isRoot(element)) {
      if (canvas.getRootElement() !== element) canvas.setRootElement(element);
      selection.select(null);
      return;
    }
    canvas.scrollToElement(element);
    selection.select(element);
  }

  return {
    clear() {
      overlays.remove({ type: PROBLEM_OVERLAY });
      for (const id of marked) {
        const element = registry.get(id);
        if (element) canvas.removeMarker(element, PROBLEM_MARKER);
      }
      marked = [];
    },
    add(id, problems) {
      const element = registry.get(id);
      if (!element) return false;
      if (isRoot(element)) return true;
      canvas.addMarker(element, PROBLEM_MARKER);
      marked.push(id);
      const button = problemBadge(problems, () => reveal(id));
      // On the top right corner of the element (of a flow: of its bounding box).
      overlays.add(element, PROBLEM_OVERLAY, { position: { top: -8, right: 8 }, scale: { min: 1 }, html: button });
      return true;
    },
    reveal,
  };
}

function start(root) {
  const canvasHost = part(root, "canvas");
  const propertiesHost = part(root, "properties");
  if (!canvasHost) throw new Error(`#${root.id}-canvas is missing`);

  const translate = translator();
  translatePanelComponents(translate);
  const modeler = new BpmnModeler({
    container: canvasHost,
    propertiesPanel: propertiesHost ? { parent: propertiesHost } : undefined,
    additionalModules: [
      BpmnPropertiesPanelModule,
      BpmnPropertiesProviderModule,
      CamundaPlatformPropertiesProviderModule,
      CamundaPlatformBehaviorsModule,
      SamverkanPropertiesModule,
      RefusedElementsFilter,
      MinimapModule,
      translateModule(translate),
    ],
    moddleExtensions: { camunda: camundaModdle },
    samverkan: { roles: JSON.parse(root.dataset.roles || "[]") },
  });
  addZoomControls(modeler, canvasHost);
  makeMinimapToggleAccessible(canvasHost);

  const getXml = async () => (await modeler.saveXML({ format: true })).xml;
  const editor = createEditor({
    root,
    getXml,
    importXml: async (xml) => {
      if (xml === null) await modeler.createDiagram();
      else await modeler.importXML(xml);
      fitDiagram(modeler, canvasHost);
    },
    markers: problemMarkers(modeler),
  });

  modeler.on("commandStack.changed", () => editor.changed());

  window.samverkanDesigner = {
    modeler,
    getXml,
    showProblems: editor.showProblems,
    validate: editor.validate,
    save: editor.save,
  };
  editor.load();
}

function init() {
  const root = document.getElementById("designer");
  if (root) start(root);
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
else init();
