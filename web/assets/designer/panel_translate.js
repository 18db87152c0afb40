// @bpmn-io/properties-panel's own components (Group, ListGroup, ListItem, TextArea, their buttons:
// "Toggle section", "Create new list item", "List contains {numOfItems} items", "Open pop-up
// editor" …) take the translate function as a `translate` prop and fall back to English without
// it; bpmn-js-properties-panel 5 does not pass it. This hands every component of the panel's
// Preact the page's translate when it was given none. The hook is Preact's documented `options`
// extension point, and that Preact copy is the properties panel's alone (diagram-js and dmn-js
// render with their own).
import { options } from "@bpmn-io/properties-panel/preact";

export function translatePanelComponents(translate) {
  const previous = options.vnode;
  options.vnode = (vnode) => {
    if (typeof vnode.type === "function" && vnode.props && vnode.props.translate === undefined) {
      vnode.props.translate = translate;
    }
    if (previous) previous(vnode);
  };
}
