// WorkflowLauncher, in two parts around the input pickers: the "chooser" (workflow and the history the
// inputs come from) above them, the "form" (parameters, target history, batch mode, Run) below them.
import { clear, h, injectStyle, setMessage, setTrait, title, watch } from "./lib/dom.js";

function chooser(model, el) {
  const wfSelect = h("select.gw-workflow-select");
  const histSelect = h("select.gw-input-history");
  const doc = h("div.gw-wf-doc");
  const message = h("div.gw-msg");
  const root = h(
    "div.gw-root.gw-launcher-part.gw-launcher-chooser",
    {},
    title("Run a workflow"),
    h("div.gw-grid2", {}, h("label", {}, "Workflow"), wfSelect, h("label", {}, "Inputs from history"), histSelect),
    doc,
    message,
  );
  el.append(root);
  wfSelect.addEventListener("change", () => setTrait(model, "workflow_id", wfSelect.value));
  histSelect.addEventListener("change", () => setTrait(model, "history_id", histSelect.value));

  function options(select, items, current, empty) {
    clear(select);
    if (!current) select.append(h("option", { value: "", selected: true, disabled: true }, empty));
    for (const item of items) {
      select.append(h("option", { value: item.id, selected: item.id === current }, item.label || item.name));
    }
  }
  function update() {
    options(wfSelect, model.get("workflows") || [], model.get("workflow_id"), "choose a workflow…");
    options(histSelect, model.get("histories") || [], model.get("history_id"), "choose a history…");
    doc.textContent = model.get("doc") || "";
    setMessage(message, model.get("error"), "error");
  }
  const off = watch(model, ["workflows", "workflow_id", "histories", "history_id", "doc", "error"], update);
  update();
  return off;
}

function paramControl(model, p) {
  const values = model.get("values") || {};
  const value = p.label in values ? values[p.label] : p.value;
  const send = (v) => setTrait(model, "values", { ...(model.get("values") || {}), [p.label]: v });
  const cls = `gw-param gw-param-${p.kind}`;
  if (p.kind === "boolean") {
    const box = h("input", { type: "checkbox", className: cls, checked: !!value });
    box.addEventListener("change", () => send(box.checked));
    return box;
  }
  if (p.kind === "select") {
    // No value yet shows as "choose…" (or "(none)" when optional): never a first choice Python lacks.
    const sel = h("select", { className: cls });
    const unset = value === null || value === undefined || value === "";
    if (p.optional) sel.append(h("option", { value: "", selected: unset }, "(none)"));
    else if (unset) sel.append(h("option.gw-choose", { value: "", selected: true, disabled: true }, "choose…"));
    for (const o of p.options || []) sel.append(h("option", { value: o, selected: String(value) === o }, o));
    sel.addEventListener("change", () => send(sel.value === "" ? null : sel.value));
    return sel;
  }
  const numeric = p.kind === "integer" || p.kind === "float";
  const input = h("input", {
    type: numeric ? "number" : "text",
    className: cls,
    step: p.kind === "float" ? "any" : numeric ? "1" : undefined,
    value: value === null || value === undefined ? "" : String(value),
    placeholder: p.optional ? "optional" : "",
  });
  const commit = () => {
    const raw = input.value;  // text keeps its blanks: a validator may be about them
    if (raw.trim() === "") return send(null);
    send(numeric ? Number(raw) : raw);
  };
  input.addEventListener("change", commit);
  // Enter commits too (JupyterLab's notebook keys would otherwise take it and no "change" fires)
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.stopPropagation();
      commit();
    }
  });
  if (!(p.suggestions || []).length) return input;
  // Suggestions are offered, any text is allowed: a datalist, not a dropdown.
  const list = h("datalist", { id: `gw-suggest-${Math.random().toString(36).slice(2)}` });
  for (const o of p.suggestions) list.append(h("option", { value: o }));
  input.setAttribute("list", list.id);
  input.classList.add("gw-param-suggested");
  return h("span.gw-suggest", {}, input, list);
}

function paramLabel(p) {
  const notes = [p.help, p.hint].filter(Boolean).join(" · ");
  return h(
    "label.gw-param-label",
    { title: p.label },
    p.label,
    p.optional ? h("span.gw-muted", {}, " (optional)") : null,
    notes ? h("div.gw-muted.gw-small.gw-param-help", {}, notes) : null,
  );
}

function form(model, el) {
  const params = h("div.gw-grid2.gw-params");
  const same = h("input", { type: "radio", name: `gw-target-${Math.random()}`, value: "same", className: "gw-target-same" });
  const fresh = h("input", { type: "radio", name: same.name, value: "new", className: "gw-target-new" });
  const newName = h("input.gw-new-history-name", { type: "text", placeholder: "name of the new history" });
  const batch = h("input.gw-batch", { type: "checkbox" });
  const batchNote = h("span.gw-muted.gw-small");
  const run = h("button.gw-primary.gw-run-button", { type: "button", onclick: () => model.send({ action: "run" }) }, "Run");
  const message = h("div.gw-msg");
  const paramsSection = h("div.gw-section", {}, "Parameters");
  const root = h(
    "div.gw-root.gw-launcher-part.gw-launcher-form",
    {},
    paramsSection,
    params,
    h("div.gw-section", {}, "Results"),
    h("div", {},
      h("label.gw-inline", {}, same, "into the inputs' history"),
      h("label.gw-inline", {}, fresh, "into a new history"),
      newName),
    h("div", { style: "margin-top:8px" }, h("label.gw-inline", {}, batch, "Batch: run once per picked dataset"), batchNote),
    h("div.gw-run-row", {}, run, h("span.gw-run-summary.gw-muted")),
    message,
  );
  el.append(root);
  for (const r of [same, fresh]) r.addEventListener("change", () => setTrait(model, "target", r.value));
  newName.addEventListener("change", () => setTrait(model, "new_history_name", newName.value));
  batch.addEventListener("change", () => setTrait(model, "batch", batch.checked));

  function drawParams() {
    clear(params);
    const list = model.get("params") || [];
    paramsSection.classList.toggle("gw-hidden", !list.length);
    for (const p of list) {
      params.append(paramLabel(p), paramControl(model, p));
    }
  }
  function update() {
    const target = model.get("target");
    same.checked = target !== "new";
    fresh.checked = target === "new";
    newName.disabled = target !== "new";
    if (document.activeElement !== newName) newName.value = model.get("new_history_name") || "";
    batch.checked = !!model.get("batch");
    batchNote.textContent = model.get("batch_note") || "";
    run.disabled = !!model.get("running") || !model.get("ready");
    run.textContent = model.get("running") ? "Starting…" : model.get("run_label") || "Run";
    root.querySelector(".gw-run-summary").textContent = model.get("summary") || "";
    setMessage(message, model.get("error"), "error");
  }
  const offs = [
    watch(model, ["params"], drawParams),
    watch(model, ["target", "new_history_name", "batch", "batch_note", "running", "ready", "run_label", "summary", "error"], update),
  ];
  drawParams();
  update();
  return () => offs.forEach((off) => off());
}

function render({ model, el }) {
  injectStyle();
  return model.get("part") === "form" ? form(model, el) : chooser(model, el);
}

export default { render };
