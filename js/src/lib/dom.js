// Small DOM helpers shared by every widget. No framework: each widget builds its skeleton once and
// updates the parts that a trait change touches, so inputs keep their focus while the kernel answers.
import css from "./style.css";

const RUNNING = new Set(["new", "queued", "running", "upload", "setting_metadata", "waiting", "ready"]);

/** Put the shared stylesheet into the page once (and refresh it when a new bundle is loaded). */
export function injectStyle() {
  let tag = document.getElementById("gw-style");
  if (!tag) {
    tag = document.createElement("style");
    tag.id = "gw-style";
    document.head.appendChild(tag);
  }
  if (tag.textContent !== css) tag.textContent = css;
}

/** h("div.gw-a.gw-b", {title: "x", onclick}, child, "text", ...) */
export function h(spec, attrs, ...children) {
  const [tag, ...classes] = spec.split(".");
  const node = document.createElement(tag || "div");
  if (classes.length) node.className = classes.join(" ");
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key in node && key !== "list") node[key] = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

export function title(text, sub) {
  return h("div.gw-title", {}, h("span.gw-logo", {}, "G"), text, sub ? h("span.gw-sub", {}, sub) : null);
}

export function isRunning(state) {
  return RUNNING.has(state);
}

/** A coloured state badge; a spinner for states that are still moving. */
export function stateBadge(state) {
  const s = state || "unknown";
  return h(
    `span.gw-state.gw-state-${s.replace(/[^a-z_]/g, "")}`,
    { title: `state: ${s}` },
    isRunning(s) ? h("span.gw-spinner") : null,
    s.replace("_", " "),
  );
}

export function chips(tags) {
  return h("span.gw-chips", {}, (tags || []).map((t) => h("span.gw-chip", {}, t)));
}

/** A message line: kind is "error", "ok" or "info"; empty text hides it. */
export function setMessage(node, text, kind) {
  node.classList.add("gw-msg");
  for (const k of ["error", "ok", "info"]) node.classList.toggle(`gw-${k}`, k === (kind || "info"));
  node.textContent = text || "";
}

export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/** Subscribe to trait changes; returns the cleanup function anywidget expects from render. */
export function watch(model, names, fn) {
  const events = names.map((n) => `change:${n}`);
  for (const e of events) model.on(e, fn);
  return () => {
    for (const e of events) model.off(e, fn);
  };
}

export function setTrait(model, name, value) {
  model.set(name, value);
  model.save_changes();
}

export function ago(iso) {
  if (!iso) return "";
  const then = Date.parse(iso.endsWith("Z") || iso.includes("+") ? iso : `${iso}Z`);
  if (Number.isNaN(then)) return "";
  const s = Math.max(0, (Date.now() - then) / 1000);
  if (s < 60) return "just now";
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  if (s < 86400 * 30) return `${Math.floor(s / 86400)} d ago`;
  return new Date(then).toISOString().slice(0, 10);
}

export function duration(seconds) {
  const s = Math.max(0, Math.round(seconds || 0));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`;
}
