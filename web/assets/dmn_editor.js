// DMN editor: dmn-js Modeler (decision requirements diagram + decision table editor), checked on
// the server after every change, "Save draft".
//
// Page contract (see docs/frontend.md): as the BPMN designer, with root id "dmn-designer":
//
//   <div id="dmn-designer" data-xml-url="…" data-save-url="…" data-validate-url="…" data-csrf-token="…">
//     <nav id="dmn-designer-views" aria-label="Vyer"></nav>   (optional; made if missing)
//     <div id="dmn-designer-canvas"></div>
//     <div id="dmn-designer-problems"></div>
//     <button type="button" id="dmn-designer-save">Spara utkast</button>
//     <p id="dmn-designer-status" role="status" aria-live="polite"></p>
//   </div>
//
// Exposes window.samverkanDmnDesigner = {modeler, getXml(), showProblems(problems), validate(), save()}.
import DmnModeler from "dmn-js/lib/Modeler";
import { createEditor, part, problemBadge } from "./shared/editor.js";
import { translateFixedLabels, translateModule } from "./shared/translate.js";
import { text } from "./shared/util.js";

const PROBLEM_MARKER = "has-problem";
const PROBLEM_OVERLAY = "samverkan-problem";

/** id -> {element, owner} for every element of the definitions; owner is the drg element holding it. */
function indexDefinitions(definitions) {
  const index = new Map();
  const visit = (element, owner) => {
    if (!element || typeof element !== "object" || !element.$type) return;
    if (element.id) index.set(element.id, { element, owner });
    for (const key of ["decisionLogic", "encapsulatedLogic"]) visit(element[key], owner);
    for (const key of ["input", "output", "rule", "inputEntry", "outputEntry", "contextEntry"]) {
      for (const child of element[key] || []) visit(child, owner);
    }
    if (element.value && element.value.$type) visit(element.value, owner);
  };
  for (const drgElement of (definitions && definitions.drgElement) || []) visit(drgElement, drgElement);
  return index;
}

function problemMarkers(modeler, canvasHost) {
  // id -> problems, for the ids found in the model.
  let current = new Map();
  const applied = { viewer: null, ids: [] };

  function viewOf(owner) {
    return modeler.getViews().find((view) => view.element === owner) || null;
  }

  function drdView() {
    return modeler.getViews().find((view) => view.type === "drd") || null;
  }

  function unapply() {
    const { viewer, ids } = applied;
    if (viewer && applied.type === "drd") {
      try {
        viewer.get("overlays").remove({ type: PROBLEM_OVERLAY });
        const registry = viewer.get("elementRegistry");
        const canvas = viewer.get("canvas");
        for (const id of ids) if (registry.get(id)) canvas.removeMarker(id, PROBLEM_MARKER);
      } catch {
        // the viewer is gone
      }
    }
    for (const cell of canvasHost.querySelectorAll(`td.${PROBLEM_MARKER}, th.${PROBLEM_MARKER}, tr.${PROBLEM_MARKER}`)) {
      cell.classList.remove(PROBLEM_MARKER);
      cell.removeAttribute("title");
    }
    applied.viewer = null;
    applied.ids = [];
  }

  function badge(id, problems) {
    return problemBadge(problems, () => reveal(id));
  }

  function apply() {
    unapply();
    const view = modeler.getActiveView();
    const viewer = modeler.getActiveViewer();
    if (!view || !viewer) return;
    applied.viewer = viewer;
    applied.type = view.type;
    const index = indexDefinitions(modeler.getDefinitions());
    if (view.type === "drd") {
      const registry = viewer.get("elementRegistry");
      const canvas = viewer.get("canvas");
      const overlays = viewer.get("overlays");
      for (const [id, problems] of current) {
        const entry = index.get(id);
        const shapeId = entry ? entry.owner.id : id;
        if (!registry.get(shapeId)) continue;
        canvas.addMarker(shapeId, PROBLEM_MARKER);
        applied.ids.push(shapeId);
        if (shapeId === id) overlays.add(shapeId, PROBLEM_OVERLAY, { position: { top: -8, right: 8 }, scale: { min: 1 }, html: badge(id, problems) });
      }
      return;
    }
    // A table or literal expression: mark the cells, rows and columns in question.
    for (const [id, problems] of current) {
      const entry = index.get(id);
      if (!entry || entry.owner !== view.element) continue;
      const selector = [`[data-element-id="${CSS.escape(id)}"]`, `[data-row-id="${CSS.escape(id)}"]`, `[data-col-id="${CSS.escape(id)}"]`].join(",");
      for (const cell of canvasHost.querySelectorAll(selector)) {
        cell.classList.add(PROBLEM_MARKER);
        cell.title = problems.map((problem) => problem.message).join(" · ");
      }
    }
  }

  function reveal(id) {
    const index = indexDefinitions(modeler.getDefinitions());
    const entry = index.get(id);
    const owner = entry ? entry.owner : null;
    const active = modeler.getActiveView();
    const showInDrd = () => {
      const viewer = modeler.getActiveViewer();
      const registry = viewer.get("elementRegistry");
      const shape = registry.get(owner ? owner.id : id);
      if (!shape) return;
      viewer.get("canvas").scrollToElement(shape);
      viewer.get("selection").select(shape);
    };
    // Decision-level problems are shown in the DRD when there is one, anything inside a decision
    // in that decision's table.
    const drd = drdView();
    const target = owner && id !== owner.id ? viewOf(owner) : drd || viewOf(owner);
    if (!target) return;
    const opened = active && active.element === target.element ? Promise.resolve() : modeler.open(target);
    opened.then(() => {
      if (target.type === "drd") showInDrd();
      else {
        const cell = canvasHost.querySelector(`[data-element-id="${CSS.escape(id)}"], [data-row-id="${CSS.escape(id)}"], [data-col-id="${CSS.escape(id)}"]`);
        if (cell) cell.scrollIntoView({ block: "nearest", inline: "nearest" });
      }
    });
  }

  return {
    clear() {
      current = new Map();
      unapply();
    },
    add(id, problems) {
      const index = indexDefinitions(modeler.getDefinitions());
      if (!index.has(id)) return false;
      current.set(id, problems);
      // Applied once all are added (next frame), as apply() redraws every marker.
      scheduleApply();
      return true;
    },
    reveal,
    apply,
  };

  function scheduleApply() {
    if (scheduleApply.pending) return;
    scheduleApply.pending = true;
    requestAnimationFrame(() => {
      scheduleApply.pending = false;
      apply();
    });
  }
}

function renderViews(modeler, root, nav) {
  const active = modeler.getActiveView();
  nav.replaceChildren();
  const list = document.createElement("ul");
  list.className = "dmn-views__list";
  for (const view of modeler.getViews()) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "dmn-views__button";
    const name = view.type === "drd" ? text(root, "drdView", "Beslutskarta (DRD)") : view.element.name || view.element.id;
    button.textContent = name;
    if (active && active.element === view.element) button.setAttribute("aria-current", "true");
    button.addEventListener("click", () => modeler.open(view));
    item.append(button);
    list.append(item);
  }
  nav.append(list);
}

function start(root) {
  const canvasHost = part(root, "canvas");
  if (!canvasHost) throw new Error(`#${root.id}-canvas is missing`);
  let nav = part(root, "views");
  if (!nav) {
    nav = document.createElement("nav");
    nav.id = `${root.id}-views`;
    nav.setAttribute("aria-label", text(root, "viewsLabel", "Vyer i beslutsmodellen"));
    canvasHost.before(nav);
  }
  nav.classList.add("dmn-views");

  // Each view gets the translation itself: dmn-js puts a view's own additionalModules over the
  // `common` ones (dmn-js-shared Manager._createViewer), so `common.additionalModules` never arrives.
  const translated = { additionalModules: [translateModule()] };
  const modeler = new DmnModeler({
    container: canvasHost,
    drd: translated,
    decisionTable: translated,
    literalExpression: translated,
    boxedExpression: translated,
  });
  translateFixedLabels(canvasHost);
  const markers = problemMarkers(modeler, canvasHost);
  const getXml = async () => (await modeler.saveXML({ format: true })).xml;
  const editor = createEditor({
    root,
    getXml,
    importXml: async (xml) => {
      if (xml === null) throw new Error("data-xml-url is missing");
      await modeler.importXML(xml);
    },
    markers,
  });

  // Every view has its own viewer (and command stack), made when first opened.
  const bound = new WeakSet();
  modeler.on("views.changed", () => {
    renderViews(modeler, root, nav);
    const viewer = modeler.getActiveViewer();
    if (viewer && !bound.has(viewer)) {
      bound.add(viewer);
      viewer.on("commandStack.changed", () => editor.changed());
      viewer.on("elements.changed", () => requestAnimationFrame(() => markers.apply()));
      const view = modeler.getActiveView();
      if (view && view.type === "drd" && canvasHost.clientWidth && canvasHost.clientHeight) {
        viewer.get("canvas").zoom("fit-viewport", "auto");
      }
    }
    requestAnimationFrame(() => markers.apply());
  });

  window.samverkanDmnDesigner = {
    modeler,
    getXml,
    showProblems: editor.showProblems,
    validate: editor.validate,
    save: editor.save,
  };
  editor.load();
}

function init() {
  const root = document.getElementById("dmn-designer");
  if (root) start(root);
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
else init();
