// What the BPMN designer and the DMN editor share: loading the model, checking it on the server
// after every change, saving a draft, and showing the server's problems (markers + a list).
//
// The page gives a root element with data-xml-url, data-save-url, data-validate-url,
// data-csrf-token and data-opened-as (what the file was when the page was made: the server refuses
// to save over a file someone saved since, and answers each save with the new value); its parts
// are found by id, `<root id>-<part>`: -canvas, -problems, -save, -status (and -properties for
// BPMN, -views for DMN).
import { debounce, fetchXml, normaliseProblems, postXml, problemsOf, text } from "./util.js";

export const VALIDATE_DELAY_MS = 800;

export function part(root, name) {
  return document.getElementById(`${root.id}-${name}`);
}

/**
 * The overlay on an element with problems: a small "!" button whose text (its accessible name) is
 * the messages; the text is shown on hover and keyboard focus. Clicking selects the element.
 */
export function problemBadge(problems, onActivate) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "designer-problem-badge";
  if (problems.every((problem) => problem.severity === "warning")) button.classList.add("designer-problem-badge--warning");
  const icon = document.createElement("span");
  icon.className = "designer-problem-badge__icon";
  icon.setAttribute("aria-hidden", "true");
  icon.textContent = problems.length > 1 ? `! ${problems.length}` : "!";
  const message = document.createElement("span");
  message.className = "designer-problem-badge__text";
  message.textContent = problems.map((problem) => problem.message).join(" · ");
  button.append(icon, message);
  button.addEventListener("click", (event) => {
    event.stopPropagation();
    onActivate();
  });
  return button;
}

/**
 * @param {object} options
 * @param {HTMLElement} options.root the element with the data attributes
 * @param {() => Promise<string>} options.getXml the current model as XML
 * @param {(xml: string|null) => Promise<void>} options.importXml import (null: a new, empty model)
 * @param {object} options.markers {clear(), add(id, problems) -> boolean, reveal(id)}
 * @returns {{getXml, showProblems, validate, save, changed}} changed() is to be called on every
 *   edit; it schedules a validation.
 */
export function createEditor({ root, getXml, importXml, markers }) {
  const problemsHost = part(root, "problems");
  const saveButton = part(root, "save");
  const status = part(root, "status");
  const csrfToken = root.dataset.csrfToken || "";

  if (status) {
    if (!status.hasAttribute("role")) status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
  }

  function setStatus(message, kind) {
    if (!status) return;
    status.textContent = message;
    status.dataset.kind = kind;
  }

  function renderList(problems, found) {
    if (!problemsHost) return;
    problemsHost.replaceChildren();
    const summary = document.createElement("p");
    summary.className = "designer-problems__summary";
    summary.textContent = problems.length
      ? text(root, "problemCount", "{n} problem att rätta").replace("{n}", String(problems.length))
      : text(root, "noProblems", "Inga problem hittades.");
    problemsHost.append(summary);
    if (!problems.length) return;

    const list = document.createElement("ul");
    list.className = "designer-problems__list";
    for (const problem of problems) {
      const item = document.createElement("li");
      item.className = `designer-problems__item designer-problems__item--${problem.severity}`;
      if (problem.element && found.has(problem.element)) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "designer-problems__button";
        button.dataset.elementId = problem.element;
        const id = document.createElement("span");
        id.className = "designer-problems__element";
        id.textContent = problem.element;
        button.append(id, document.createTextNode(` ${problem.message}`));
        button.addEventListener("click", () => markers.reveal(problem.element));
        item.append(button);
      } else {
        if (problem.element) {
          const id = document.createElement("span");
          id.className = "designer-problems__element";
          id.textContent = problem.element;
          item.append(id, document.createTextNode(" "));
        }
        item.append(document.createTextNode(problem.message));
      }
      list.append(item);
    }
    problemsHost.append(list);
  }

  let lastProblems = [];

  function showProblems(problems) {
    const normalised = normaliseProblems(problems);
    lastProblems = normalised;
    markers.clear();
    const byElement = new Map();
    for (const problem of normalised) {
      if (!problem.element) continue;
      if (!byElement.has(problem.element)) byElement.set(problem.element, []);
      byElement.get(problem.element).push(problem);
    }
    const found = new Set();
    for (const [id, list] of byElement) {
      if (markers.add(id, list)) found.add(id);
    }
    renderList(normalised, found);
    root.dispatchEvent(new CustomEvent("designer:problems", { bubbles: true, detail: { problems: normalised } }));
    return normalised;
  }

  // Validation: one request at a time; an answer to an older model is dropped.
  let validateController = null;
  let validateSeq = 0;

  async function validate() {
    const url = root.dataset.validateUrl;
    if (!url) return null;
    const seq = ++validateSeq;
    if (validateController) validateController.abort();
    validateController = new AbortController();
    try {
      const xml = await getXml();
      const answer = await postXml(url, xml, csrfToken, validateController.signal);
      if (seq !== validateSeq) return null;
      const problems = problemsOf(answer.data);
      if (problems === null) {
        if (!answer.ok) setStatus(answer.data.message || text(root, "validateFailed", "Modellen kunde inte kontrolleras just nu."), "error");
        return null;
      }
      return showProblems(problems);
    } catch (error) {
      if (error && error.name === "AbortError") return null;
      if (seq === validateSeq) setStatus(text(root, "validateFailed", "Modellen kunde inte kontrolleras just nu."), "error");
      return null;
    }
  }

  const changed = debounce(validate, VALIDATE_DELAY_MS);

  let saving = false;
  async function save() {
    const url = root.dataset.saveUrl;
    if (!url || saving) return null;
    saving = true;
    if (saveButton) saveButton.setAttribute("aria-disabled", "true");
    setStatus(text(root, "saving", "Sparar utkastet …"), "busy");
    try {
      const xml = await getXml();
      const opened = root.dataset.openedAs ? { "X-Draft-Opened-As": root.dataset.openedAs } : {};
      const answer = await postXml(url, xml, csrfToken, undefined, opened);
      if (answer.ok && answer.data.opened_as) root.dataset.openedAs = answer.data.opened_as;
      const problems = problemsOf(answer.data);
      if (problems !== null) showProblems(problems);
      const fallback = answer.ok ? text(root, "saved", "Utkastet är sparat.") : text(root, "saveFailed", "Utkastet kunde inte sparas.");
      setStatus(answer.data.message || fallback, answer.ok ? "ok" : "error");
      root.dispatchEvent(new CustomEvent("designer:saved", { bubbles: true, detail: answer }));
      return answer;
    } catch (error) {
      setStatus(text(root, "saveFailed", "Utkastet kunde inte sparas."), "error");
      return null;
    } finally {
      saving = false;
      if (saveButton) saveButton.removeAttribute("aria-disabled");
    }
  }

  if (saveButton) {
    if (saveButton.tagName === "BUTTON" && !saveButton.getAttribute("type")) saveButton.type = "button";
    saveButton.addEventListener("click", (event) => {
      event.preventDefault();
      save();
    });
  }

  async function load() {
    root.dataset.state = "loading";
    root.setAttribute("aria-busy", "true");
    try {
      const url = root.dataset.xmlUrl;
      await importXml(url ? await fetchXml(url) : null);
      root.dataset.state = "ready";
      root.dispatchEvent(new CustomEvent("designer:ready", { bubbles: true }));
      validate();
    } catch (error) {
      root.dataset.state = "error";
      setStatus(text(root, "loadFailed", "Modellen kunde inte läsas in."), "error");
      root.dispatchEvent(new CustomEvent("designer:error", { bubbles: true, detail: { error } }));
    } finally {
      root.removeAttribute("aria-busy");
    }
  }

  return { getXml, showProblems, validate, save, changed, load, problems: () => lastProblems };
}
