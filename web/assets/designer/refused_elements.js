// The replace menu without what validation refuses (docs/modeling.md, "What validation refuses";
// engine/definitions/validation/bpmn.py): a designer is not offered an element that could never
// be published. Script tasks stay hidden too: an operator may enable them, a designer rarely should.

/** The replace menu's entries (by the id after "replace-with-") the engine refuses. */
const REFUSED = [
  /^service-task$/, /^send-task$/, /^script-task$/, /^transaction$/, /ad-hoc-subprocess$/,
  /^complex-gateway$/, /event-based-instantiat/, /^(non-interrupting-)?(conditional|signal|compensation)-/, /^link-/,
  /^message-(intermediate-throw|end)$/, /^(non-interrupting-)?timer-start$/, /^cancel-/,
];

export function refused(actionName) {
  const id = actionName.replace(/^replace-with-/, "");
  return REFUSED.some((pattern) => pattern.test(id));
}

function RefusedElementsFilter(popupMenu) {
  popupMenu.registerProvider("bpmn-replace", 500, {
    getPopupMenuEntries() {
      return (entries) => Object.fromEntries(Object.entries(entries).filter(([id]) => !refused(id)));
    },
  });
}
RefusedElementsFilter.$inject = ["popupMenu"];

export default {
  __init__: ["refusedElementsFilter"],
  refusedElementsFilter: ["type", RefusedElementsFilter],
};
