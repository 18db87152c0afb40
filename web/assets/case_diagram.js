// Case diagram: draws the BPMN of a case's process version, read-only, with the case's state on it.
//
// Page contract (see docs/frontend.md):
//
//   <div class="case-diagram" role="figure" aria-label="Processkarta för ärendet …"
//        data-xml-url="/cases/<id>/diagram.bpmn"
//        data-current='["Task_1"]' data-done='["StartEvent_1","Flow_2"]' data-incident='["Task_x"]'
//        data-label-current="Här" data-label-incident="Fel"
//        data-error-text="Processkartan kunde inte visas."></div>
//
// Every `.case-diagram` on the page is drawn. The container is a labelled figure: the page's
// aria-label says what the picture shows (where the case is), the drawing itself is aria-hidden.
// (Not role="img": the bpmn.io link that bpmn-js's licence requires in the drawing is focusable,
// and focusable content inside an image fails axe's nested-interactive rule.)
// The container gets data-state="loading|ready|error" and fires `case-diagram:ready`
// (detail: {viewer, missing}) or `case-diagram:error` (detail: {error}); ids in the data
// attributes that are not in the diagram are listed in `missing` and otherwise ignored.
import NavigatedViewer from "bpmn-js/lib/NavigatedViewer";
import { readIdList } from "./shared/util.js";

const DEFAULT_ERROR_TEXT = "Processkartan kunde inte visas.";
const DEFAULT_LABEL_CURRENT = "Här";
const DEFAULT_LABEL_INCIDENT = "Fel";

function badge(text, className) {
  const element = document.createElement("span");
  element.className = `case-diagram__badge ${className}`;
  element.textContent = text;
  return element;
}

function showError(container, canvasHost, error) {
  canvasHost.remove();
  const message = document.createElement("p");
  message.className = "case-diagram__error";
  message.textContent = container.dataset.errorText || DEFAULT_ERROR_TEXT;
  container.append(message);
  container.dataset.state = "error";
  container.removeAttribute("aria-busy");
  container.dispatchEvent(new CustomEvent("case-diagram:error", { bubbles: true, detail: { error } }));
}

function mark(viewer, container) {
  const registry = viewer.get("elementRegistry");
  const canvas = viewer.get("canvas");
  const overlays = viewer.get("overlays");
  const missing = [];

  const apply = (ids, marker, addBadge) => {
    for (const id of ids) {
      const element = registry.get(id);
      if (!element) {
        missing.push(id);
        continue;
      }
      canvas.addMarker(element, marker);
      if (addBadge && !element.waypoints) {
        // scale.min 1: the badge stays readable however far the diagram is zoomed out.
        overlays.add(element, "case-diagram-badge", {
          position: { top: -12, left: -10 },
          scale: { min: 1 },
          html: addBadge(),
        });
      }
    }
  };

  const labelCurrent = container.dataset.labelCurrent || DEFAULT_LABEL_CURRENT;
  const labelIncident = container.dataset.labelIncident || DEFAULT_LABEL_INCIDENT;
  apply(readIdList(container, "done"), "case-done", null);
  apply(readIdList(container, "current"), "case-current", () => badge(labelCurrent, "case-diagram__badge--current"));
  apply(readIdList(container, "incident"), "case-incident", () =>
    badge(labelIncident, "case-diagram__badge--incident"),
  );
  return missing;
}

async function draw(container) {
  container.setAttribute("role", "figure");
  container.setAttribute("aria-busy", "true");
  container.dataset.state = "loading";
  container.classList.add("case-diagram--js");

  const canvasHost = document.createElement("div");
  canvasHost.className = "case-diagram__canvas";
  container.append(canvasHost);

  let viewer;
  try {
    const url = container.dataset.xmlUrl;
    if (!url) throw new Error("data-xml-url is missing");
    const response = await fetch(url, {
      credentials: "same-origin",
      headers: { Accept: "application/xml, text/xml" },
    });
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    const xml = await response.text();

    viewer = new NavigatedViewer({ container: canvasHost });
    await viewer.importXML(xml);

    // The drawing is described by the container's aria-label; its SVG text in drawing order
    // means nothing read aloud, so it is hidden, and nothing in it takes keyboard focus. The
    // bpmn.io link (outside .djs-container) stays as it is.
    for (const focusable of canvasHost.querySelectorAll("[tabindex]")) focusable.removeAttribute("tabindex");
    for (const drawing of canvasHost.querySelectorAll(".djs-container")) drawing.setAttribute("aria-hidden", "true");

    const missing = mark(viewer, container);
    const canvas = viewer.get("canvas");
    // A container that is not shown (a closed tab, display: none) has no size to fit into; it is
    // fitted when it gets one.
    const fit = () => {
      if (!canvasHost.clientWidth || !canvasHost.clientHeight) return;
      canvas.resized();
      canvas.zoom("fit-viewport", "auto");
    };
    fit();
    if (typeof ResizeObserver === "function") new ResizeObserver(fit).observe(canvasHost);
    container.dataset.state = "ready";
    container.removeAttribute("aria-busy");
    container.dispatchEvent(new CustomEvent("case-diagram:ready", { bubbles: true, detail: { viewer, missing } }));
  } catch (error) {
    if (viewer) viewer.destroy();
    showError(container, canvasHost, error);
  }
}

function drawAll() {
  for (const container of document.querySelectorAll(".case-diagram")) {
    if (!container.dataset.state) draw(container);
  }
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawAll);
else drawAll();
