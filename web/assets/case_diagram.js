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
// Above the drawing, buttons zoom in and out, show the whole process and where the case is now
// (texts from data-label-zoom-in, -zoom-out, -fit, -current-step, and -controls for the group);
// the first view is the whole process if it is readable so, else the current step at a readable zoom.
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

//: The zoom at which the drawing's labels read as the modeler drew them (12 px text at 1).
const READABLE_ZOOM = 1;

/** The views the controls move between: the whole process, and where the case is now. */
function navigation(viewer, canvasHost, current) {
  const canvas = viewer.get("canvas");
  const fit = () => canvas.zoom("fit-viewport", "auto");
  const here = () => {
    if (!current.length) return fit();
    const left = Math.min(...current.map((e) => e.x));
    const top = Math.min(...current.map((e) => e.y));
    const right = Math.max(...current.map((e) => e.x + e.width));
    const bottom = Math.max(...current.map((e) => e.y + e.height));
    const width = canvasHost.clientWidth / READABLE_ZOOM;
    const height = canvasHost.clientHeight / READABLE_ZOOM;
    canvas.viewbox({ x: (left + right) / 2 - width / 2, y: (top + bottom) / 2 - height / 2, width, height });
  };
  // The whole process when it is readable so; otherwise where the case is now, readable.
  const home = () => {
    fit();
    if (current.length && canvas.zoom() < READABLE_ZOOM * 0.9) here();
  };
  return { fit, here, home };
}

/** Zoom in, zoom out, the whole process, where the case is now: real buttons, labelled by the page. */
function controls(container, viewer, view, touch) {
  const zoomScroll = viewer.get("zoomScroll");
  const texts = container.dataset;
  const bar = document.createElement("div");
  bar.className = "case-diagram__controls";
  bar.setAttribute("role", "group");
  bar.setAttribute("aria-label", texts.labelControls || "Processkartans förstoring");
  const add = (text, name, action) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = `case-diagram__control case-diagram__control--${name}`;
    button.textContent = text;
    button.addEventListener("click", () => {
      touch();
      action();
    });
    bar.append(button);
  };
  add(texts.labelZoomIn || "Zooma in", "in", () => zoomScroll.stepZoom(1));
  add(texts.labelZoomOut || "Zooma ut", "out", () => zoomScroll.stepZoom(-1));
  add(texts.labelFit || "Visa hela processen", "fit", view.fit);
  if (readIdList(container, "current").length) {
    add(texts.labelCurrentStep || "Visa där ärendet är nu", "current", view.here);
  }
  return bar;
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
    const current = readIdList(container, "current").map((id) => viewer.get("elementRegistry").get(id)).filter(Boolean);
    // Where the case is now is its steps: an event waiting on an activity's border (the consent's
    // monthly look, a reminder) is drawn as current too, but the view goes to it only when it is
    // all there is.
    const steps = current.filter((element) => element.type !== "bpmn:BoundaryEvent");
    const view = navigation(viewer, canvasHost, steps.length ? steps : current);
    // Once the reader has zoomed or moved the drawing, a change of the container's size keeps
    // their view; until then the first view is made again for the new size.
    let touched = false;
    const touch = () => {
      touched = true;
    };
    canvasHost.addEventListener("wheel", touch, { passive: true });
    canvasHost.addEventListener("pointerdown", touch);
    container.prepend(controls(container, viewer, view, touch));
    // A container that is not shown (a closed tab, display: none) has no size to fit into; it is
    // fitted when it gets one.
    const resized = () => {
      if (!canvasHost.clientWidth || !canvasHost.clientHeight) return;
      canvas.resized();
      if (!touched) view.home();
    };
    resized();
    if (typeof ResizeObserver === "function") new ResizeObserver(resized).observe(canvasHost);
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
