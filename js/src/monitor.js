// InvocationMonitor: overall progress, one row per step with a job-state bar, elapsed time, the failing
// job's stderr on error, and the outputs by label with "to variable" buttons once the run is done.
// Cancel (confirmed in the widget) while it runs; Rerun, with inputs to replace, once it is over. The
// buttons only bump request counters: Python makes every call to Galaxy.
import { clear, duration, h, injectStyle, setMessage, stateBadge, title, watch } from "./lib/dom.js";

const GROUPS = {
  ok: ["ok", "skipped"],
  error: ["error", "failed", "deleted", "deleting", "stopped"],
  running: ["running", "setting_metadata"],
};

function group(states) {
  const out = { ok: 0, running: 0, queued: 0, error: 0 };
  for (const [state, n] of Object.entries(states || {})) {
    const g = Object.keys(GROUPS).find((k) => GROUPS[k].includes(state)) || "queued";
    out[g] += n;
  }
  return out;
}

function bar(states, expected) {
  const g = group(states);
  const total = Math.max(1, g.ok + g.running + g.queued + g.error, expected || 0);
  return h(
    "div.gw-progress",
    { title: Object.entries(g).filter(([, n]) => n).map(([k, n]) => `${n} ${k}`).join(", ") || "no jobs yet" },
    ["ok", "running", "queued", "error"].map((k) => h(`span.gw-seg-${k}`, { style: `width:${(100 * g[k]) / total}%` })),
  );
}

function counts(states) {
  const g = group(states);
  const parts = Object.entries(g).filter(([, n]) => n).map(([k, n]) => `${n} ${k}`);
  return parts.join(" · ") || "waiting to be scheduled";
}

function render({ model, el }) {
  injectStyle();
  const heading = h("div.gw-heading");
  const overallBar = h("div.gw-overall-bar", { style: "flex:1 1 200px; display:flex" });
  const badge = h("span.gw-overall-state");
  const elapsed = h("span.gw-elapsed.gw-muted");
  const jobs = h("span.gw-job-counts.gw-muted.gw-small");
  const tbody = h("tbody");
  const stderr = h("div.gw-stderr.gw-hidden");
  const outputs = h("div.gw-outputs.gw-hidden");
  const message = h("div.gw-msg");
  const varMessage = h("div.gw-msg");
  const actions = h("div.gw-run-actions");
  const actionMessage = h("div.gw-msg.gw-action-msg");
  let confirming = false;
  const root = h(
    "div.gw-root.gw-monitor",
    {},
    heading,
    h("div.gw-overall", {}, badge, overallBar, elapsed),
    jobs,
    actions,
    actionMessage,
    h("table.gw-table.gw-steps", {},
      h("thead", {}, h("tr", {}, h("th", {}, "step"), h("th", {}, "jobs"), h("th", {}, ""))),
      tbody),
    stderr,
    message,
    outputs,
    varMessage,
  );
  el.append(root);

  function tick() {
    const started = model.get("started");
    const finished = model.get("finished");
    if (!started) {
      elapsed.textContent = "";
      return;
    }
    const end = finished || Date.now() / 1000;
    elapsed.textContent = `${finished ? "took" : "elapsed"} ${duration(end - started)}`;
  }

  function head() {
    const phase = model.get("phase");
    root.dataset.state = phase;
    root.dataset.invocation = model.get("invocation_id");
    clear(heading).append(
      title(model.get("workflow_name") || "Workflow run", `invocation ${model.get("invocation_id")}${model.get("rerun_of") ? ` (rerun of ${model.get("rerun_of")})` : ""}${model.get("history_name") ? ` · history “${model.get("history_name")}”` : ""}`),
    );
    clear(badge).append(stateBadge(phase === "ok" ? "ok" : phase === "error" ? "error" : "running"));
    clear(overallBar).append(bar(model.get("totals"), model.get("expected_jobs")));
    jobs.textContent = `${model.get("state") ? `invocation ${model.get("state")} · ` : ""}${counts(model.get("totals"))}`;
    tick();
  }

  function bump(name) {
    model.set(name, (model.get(name) || 0) + 1);
    model.save_changes();
  }

  function cancelControls() {
    if (!confirming) {
      return [h("button.gw-cancel", { type: "button", title: "Stop this run in Galaxy (asks first)",
        onclick: () => { confirming = true; act(); } }, "Cancel run")];
    }
    return [
      h("span.gw-confirm-text", {}, "Really cancel this run? Galaxy deletes its unfinished jobs. "),
      h("button.gw-primary.gw-cancel-yes", { type: "button",
        onclick: () => { confirming = false; bump("cancel_request"); act(); } }, "Yes, cancel"),
      h("button.gw-cancel-no", { type: "button", onclick: () => { confirming = false; act(); } }, "No"),
    ];
  }

  function rerunControls() {
    const replace = {};
    const rows = (model.get("rerun_inputs") || []).map((r) => {
      const box = h("input.gw-replace", { type: "text", dataset: { label: r.label },
        placeholder: r.kind === "parameter" ? "same, or a new value" : "same, or #hid / id / name:…",
        title: `Replace input ${r.label} for the rerun`,
        oninput: () => { replace[r.label] = box.value; } });
      return h("tr.gw-rerun-input", { dataset: { label: r.label } },
        h("td", {}, h("span.gw-output-label", {}, r.label)),
        h("td.gw-muted", {}, r.kind === "parameter" ? r.value : `${r.value} (${r.kind})`),
        h("td", {}, box));
    });
    const cached = h("input.gw-use-cached", { type: "checkbox", checked: !!model.get("use_cached_job"),
      onchange: () => { model.set("use_cached_job", cached.checked); model.save_changes(); } });
    const go = h("button.gw-primary.gw-rerun", { type: "button", title: "Invoke this workflow again",
      onclick: () => {
        const changed = Object.fromEntries(Object.entries(replace).filter(([, v]) => v.trim()));
        model.set("replace", changed);
        bump("rerun_request");
      } }, "Rerun");
    return [
      go,
      h("label.gw-cached-label", { title: "Galaxy reuses the results of identical jobs (use_cached_job)" },
        cached, " reuse identical jobs"),
      rows.length ? h("details.gw-rerun-inputs", {},
        h("summary.gw-muted.gw-small", {}, "replace inputs"),
        h("table.gw-table", {}, h("tbody", {}, rows))) : null,
    ];
  }

  function actionMsg() {
    setMessage(actionMessage, model.get("action_message"), model.get("action_failed") ? "error" : "info");
  }

  function act() {
    const busy = model.get("busy");
    clear(actions);
    if (busy) {
      actions.append(h("span.gw-muted.gw-busy", {}, h("span.gw-spinner"), ` ${busy}…`));
    } else if (model.get("can_cancel")) {
      actions.append(...cancelControls());
    } else if (model.get("can_rerun")) {
      confirming = false;
      actions.append(...rerunControls().filter(Boolean));
    }
  }

  function steps() {
    clear(tbody);
    for (const s of model.get("steps") || []) {
      tbody.append(
        h(`tr.gw-step${s.depth ? ".gw-sub" : ""}`, { dataset: { index: s.index } },
          h("td", {}, h("span.gw-step-label", {}, s.label), s.sub ? h("span.gw-muted", {}, " (subworkflow)") : null),
          h("td.gw-muted.gw-small", {}, s.input ? "input" : counts(s.states)),
          h("td.gw-bar-cell", {}, s.input ? stateBadge("ok") : bar(s.states, 1))),
      );
    }
  }

  function failure() {
    const err = model.get("error");
    setMessage(message, err, "error");
    const text = model.get("stderr");
    stderr.classList.toggle("gw-hidden", !text);
    clear(stderr);
    if (text) {
      stderr.append(h("b", {}, `stderr of the failing job${model.get("failed_tool") ? ` (${model.get("failed_tool")})` : ""}`), h("pre", {}, text));
    }
  }

  function outs() {
    const list = model.get("outputs") || [];
    outputs.classList.toggle("gw-hidden", !list.length);
    clear(outputs);
    if (!list.length) return;
    const rows = list.map((o) => {
      const name = h("input.gw-var-name", { type: "text", value: o.variable, title: "Python variable name" });
      const go = h("button.gw-to-variable", { type: "button", dataset: { label: o.label },
        onclick: () => model.send({ action: "to_variable", label: o.label, name: name.value.trim() }) }, "→ variable");
      return h("tr.gw-output", { dataset: { label: o.label } },
        h("td", {}, h("span.gw-output-label", {}, o.label)),
        h("td", {}, o.hid ? h("span.gw-muted", {}, `#${o.hid} `) : null, o.name || ""),
        h("td", {}, o.extension || ""),
        h("td", {}, o.state ? stateBadge(o.state) : null),
        h("td", {}, name, " ", go));
    });
    outputs.append(
      h("div.gw-section", {}, "Outputs"),
      h("table.gw-table", {}, h("tbody", {}, rows)),
      h("div.gw-muted.gw-small", { style: "margin-top:4px" }, "In Python: monitor.outputs[label]"),
    );
  }

  const timer = setInterval(() => {
    if (!model.get("finished")) tick();
  }, 1000);
  const offs = [
    watch(model, ["phase", "state", "totals", "workflow_name", "history_name", "invocation_id", "rerun_of", "started", "finished", "expected_jobs"], head),
    watch(model, ["steps"], steps),
    watch(model, ["error", "stderr", "failed_tool"], failure),
    watch(model, ["outputs"], outs),
    watch(model, ["variable_message"], () => setMessage(varMessage, model.get("variable_message"), "ok")),
    watch(model, ["can_cancel", "can_rerun", "busy", "rerun_inputs"], act),
    watch(model, ["action_message", "action_failed"], actionMsg),
  ];
  head();
  act();
  actionMsg();
  steps();
  failure();
  outs();
  setMessage(varMessage, model.get("variable_message"), "ok");
  return () => {
    clearInterval(timer);
    offs.forEach((off) => off());
  };
}

export default { render };
