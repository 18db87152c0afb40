// Small helpers shared by the page scripts.

/** The list of element ids in the container's `data-<name>` attribute (a JSON array of strings). */
export function readIdList(element, name) {
  const raw = element.dataset[name];
  if (!raw) return [];
  try {
    const value = JSON.parse(raw);
    return Array.isArray(value) ? value.filter((id) => typeof id === "string" && id) : [];
  } catch {
    return [];
  }
}

/** A `data-text-*` text of the root element, or the (Swedish) default. */
export function text(root, name, fallback) {
  const key = `text${name.charAt(0).toUpperCase()}${name.slice(1)}`;
  return root.dataset[key] || fallback;
}

export function debounce(fn, wait) {
  let timer = null;
  const debounced = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      fn(...args);
    }, wait);
  };
  debounced.cancel = () => clearTimeout(timer);
  return debounced;
}

/** GET a model's XML (same origin, with the session cookie). */
export async function fetchXml(url) {
  const response = await fetch(url, {
    credentials: "same-origin",
    headers: { Accept: "application/xml, text/xml" },
  });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.text();
}

/**
 * POST a model's XML as `application/xml` with the CSRF token in `X-CSRFToken`.
 * Resolves to {ok, status, data} where data is the parsed JSON answer ({} if it was not JSON);
 * rejects only when the request itself failed (network, abort).
 */
export async function postXml(url, xml, csrfToken, signal, extraHeaders = {}) {
  const headers = { "Content-Type": "application/xml", Accept: "application/json", ...extraHeaders };
  if (csrfToken) headers["X-CSRFToken"] = csrfToken;
  const response = await fetch(url, { method: "POST", credentials: "same-origin", headers, body: xml, signal });
  let data = {};
  try {
    data = await response.json();
  } catch {
    data = {};
  }
  if (data === null || typeof data !== "object") data = {};
  return { ok: response.ok, status: response.status, data };
}

/** The problems of a server answer: `{problems: […]}` or an error's `{details: {problems: […]}}`. */
export function problemsOf(data) {
  const list = Array.isArray(data.problems)
    ? data.problems
    : data.details && Array.isArray(data.details.problems)
      ? data.details.problems
      : null;
  return list === null ? null : normaliseProblems(list);
}

export function normaliseProblems(problems) {
  if (!Array.isArray(problems)) return [];
  return problems
    .filter((problem) => problem && typeof problem === "object")
    .map((problem) => ({
      element: typeof problem.element === "string" && problem.element ? problem.element : null,
      message: String(problem.message ?? ""),
      severity: problem.severity === "warning" ? "warning" : "error",
    }));
}
