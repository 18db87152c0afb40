// Finding one's way in a large diagram: bpmn.io's minimap, zoom buttons (in, out, fit) over the
// canvas's bottom-left corner, and fitting the diagram beside the palette rather than under it.
// Labels go through the translate service.
import MinimapModule from "diagram-js-minimap";

export { MinimapModule };

const ZOOM_BUTTONS = [
  { action: "in", label: "Zoom in", text: "+" },
  { action: "out", label: "Zoom out", text: "−" },
  { action: "fit", label: "Fit diagram to view", text: "⤢" },
];

const MARGIN = 16;

/** Show the whole diagram, at most at 100 %, right of the palette that floats over the canvas. */
export function fitDiagram(modeler, host) {
  const canvas = modeler.get("canvas");
  const { inner, outer } = canvas.viewbox();
  if (!outer.width || !outer.height || !inner.width || !inner.height) return;
  const palette = host.querySelector(".djs-palette");
  const left = (palette ? palette.offsetLeft + palette.offsetWidth : 0) + MARGIN;
  const scale = Math.min((outer.width - left - MARGIN) / inner.width, (outer.height - 2 * MARGIN) / inner.height, 1);
  canvas.viewbox({
    x: inner.x - left / scale,
    y: inner.y - MARGIN / scale,
    width: outer.width / scale,
    height: outer.height / scale,
  });
}

/** Zoom buttons in `host` (the canvas's container) for the modeler. */
export function addZoomControls(modeler, host) {
  const translate = modeler.get("translate");
  const zoomScroll = modeler.get("zoomScroll");
  const group = document.createElement("div");
  group.className = "designer-zoom";
  group.setAttribute("role", "group");
  group.setAttribute("aria-label", translate("Zoom"));
  for (const { action, label, text } of ZOOM_BUTTONS) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = `designer-zoom__button designer-zoom__button--${action}`;
    button.title = translate(label);
    button.setAttribute("aria-label", translate(label));
    button.textContent = text;
    button.addEventListener("click", () => {
      if (action === "fit") fitDiagram(modeler, host);
      else zoomScroll.stepZoom(action === "in" ? 1 : -1);
    });
    group.append(button);
  }
  host.append(group);
}

/** The minimap's open/close toggle is a <div>: make it a button for the keyboard and screen readers. */
export function makeMinimapToggleAccessible(host) {
  const toggle = host.querySelector(".djs-minimap .toggle");
  if (!toggle) return;
  toggle.setAttribute("role", "button");
  toggle.setAttribute("tabindex", "0");
  const sync = () => toggle.setAttribute("aria-label", toggle.getAttribute("title") || "");
  sync();
  new MutationObserver(sync).observe(toggle, { attributes: true, attributeFilter: ["title"] });
  toggle.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" && event.key !== " ") return;
    event.preventDefault();
    event.stopPropagation();
    toggle.click();
  });
}
