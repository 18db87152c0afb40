// The `translate` service of bpmn-js, diagram-js, the properties panel and dmn-js, in the page's
// language: Swedish (translations_sv.json) when <html lang> is "sv", else their own English.
//
// Each library calls translate(template, replacements) with its English text as the key; a
// `{name}` in the text is filled from `replacements`, as diagram-js's default translate does.
// To add a string: put its English key (exactly as the library passes it) and the Swedish text in
// translations_sv.json.
import swedish from "./translations_sv.json";

function fill(template, replacements = {}) {
  return template.replace(/{([^}]+)}/g, (placeholder, key) => (key in replacements ? replacements[key] : placeholder));
}

/** The translations for a language code ("sv", "sv-SE", "en"): null means the libraries' English. */
export function translationsFor(lang) {
  return (lang || "").toLowerCase().split("-")[0] === "sv" ? swedish : null;
}

/** translate(template, replacements) for `lang` (default: the page's). */
export function translator(lang = document.documentElement.lang) {
  const translations = translationsFor(lang);
  return (template, replacements) =>
    fill(translations && Object.hasOwn(translations, template) ? translations[template] : template, replacements);
}

/** A diagram-js module replacing `translate` with `translate` (default: the page's language). */
export function translateModule(translate = translator()) {
  return { translate: ["value", translate] };
}

/**
 * Translate the titles and aria-labels that a library writes in English without asking `translate`
 * (dmn-js's "Decision table context menu", its columns' "Move Input"), in `container` now and as it
 * changes. Only values that are keys of the translations are touched.
 */
export function translateFixedLabels(container, lang = document.documentElement.lang) {
  const translations = translationsFor(lang);
  if (!translations) return;
  const apply = (element) => {
    for (const name of ["title", "aria-label"]) {
      const value = element.getAttribute(name);
      if (value && Object.hasOwn(translations, value)) element.setAttribute(name, translations[value]);
    }
  };
  const sweep = (root) => {
    if (root.nodeType !== Node.ELEMENT_NODE) return;
    apply(root);
    for (const element of root.querySelectorAll("[title], [aria-label]")) apply(element);
  };
  sweep(container);
  new MutationObserver((records) => {
    for (const record of records) {
      if (record.type === "attributes") apply(record.target);
      else for (const node of record.addedNodes) sweep(node);
    }
  }).observe(container, { subtree: true, childList: true, attributes: true, attributeFilter: ["title", "aria-label"] });
}
