// HistoryBrowser and DatasetPicker: histories on the left (server-side search), one page of the
// chosen history's contents on the right (server-side filter, paging with the total), a peek of the
// clicked item below. The kernel fetches everything; only the visible page is ever in the browser.
import { ago, chips, clear, debounce, h, injectStyle, isRunning, setMessage, setTrait, stateBadge, title, watch } from "./lib/dom.js";

const FILTER_HELP =
  "Galaxy filter text, e.g.  name:genes  extension:tabular  state:ok  tag:run1  hid>3  deleted:any  visible:any";

function historyList(model, list, count) {
  clear(list);
  const current = model.get("history_id");
  for (const hist of model.get("histories") || []) {
    const meta = [hist.count_text || `${hist.count ?? 0} items`, hist.size, ago(hist.update_time)].filter(Boolean).join(" · ");
    list.append(
      h(
        `li.gw-history-item${hist.id === current ? ".gw-current" : ""}`,
        { dataset: { id: hist.id }, title: hist.name, onclick: () => setTrait(model, "history_id", hist.id) },
        h("div.gw-hname", {}, hist.name || "Unnamed history"),
        h("div.gw-hmeta", {}, meta),
      ),
    );
  }
  const shown = (model.get("histories") || []).length;
  const total = model.get("histories_total");
  count.textContent = shown ? (total > shown ? `newest ${shown} of ${total} histories` : `${total} histories`) : "no histories";
}

function peekTable(lines, columns) {
  let head = columns && columns.length ? columns : null;
  let body = lines;
  if (lines.length && lines[0].startsWith("#")) {
    head = head || lines[0].replace(/^#+\s*/, "").split("\t");
    body = lines.slice(1);
  }
  return h(
    "div.gw-peek",
    {},
    h("table", {},
      head ? h("thead", {}, h("tr", {}, head.map((c) => h("th", {}, c)))) : null,
      h("tbody", {}, body.map((l) => h("tr", {}, l.split("\t").map((c) => h("td", {}, c)))))),
  );
}

function detailView(model, node) {
  clear(node);
  const d = model.get("detail") || {};
  node.classList.toggle("gw-hidden", !d.key);
  if (!d.key) return;
  node.append(
    h("div.gw-detail-head", {},
      h("span.gw-muted", {}, `#${d.hid ?? ""}`),
      h("span.gw-dname", {}, d.name || ""),
      stateBadge(d.state),
      h("span.gw-muted", {}, [d.extension, d.size].filter(Boolean).join(" · ")),
      h("span", { style: "flex:1" }),
      h("button.gw-link.gw-detail-close", { type: "button", onclick: () => model.send({ action: "hide" }) }, "close")),
  );
  if (d.info) node.append(h("div.gw-muted.gw-small", { style: "margin-bottom:6px" }, d.info));
  if (d.error) node.append(h("div.gw-msg.gw-error", {}, d.error));
  if (d.elements && d.elements.length) {
    node.append(
      h("table.gw-table.gw-elements", {},
        h("thead", {}, h("tr", {}, h("th", {}, "element"), h("th", {}, "type"), h("th", {}, "state"))),
        h("tbody", {}, d.elements.map((e) =>
          h("tr", {}, h("td", {}, e.identifier), h("td", {}, e.extension || ""), h("td", {}, stateBadge(e.state)))))),
    );
  } else if (d.lines && d.lines.length) {
    const tabular = d.lines.some((l) => l.includes("\t"));
    node.append(tabular ? peekTable(d.lines, d.columns) : h("pre.gw-peek-text", {}, d.lines.join("\n")));
  } else if (isRunning(d.state)) {
    node.append(h("div.gw-muted", {}, "Not ready yet: the first lines appear here when the job is done."));
  } else if (!d.error) {
    node.append(h("div.gw-muted", {}, "(empty)"));
  }
}

// Files dropped on the browser go to the kernel as binary buffers, one chunk per message, each
// acknowledged before the next is read from disk: memory stays flat in the browser, the server and
// the kernel. The kernel decides what is accepted (size limit) and uploads the batch in one request.
function dropUploader(model) {
  const waiting = new Map(); // batch id -> resolve() for the kernel's next answer about it
  const onMsg = (msg) => {
    if (!msg || typeof msg.event !== "string" || !msg.event.startsWith("upload_")) return;
    const resolve = waiting.get(msg.batch);
    if (resolve) {
      waiting.delete(msg.batch);
      resolve(msg);
    }
  };
  model.on("msg:custom", onMsg);
  const ask = (batch, content, buffers) =>
    new Promise((resolve) => {
      waiting.set(batch, resolve);
      model.send({ ...content, batch }, undefined, buffers || []);
    });
  // files: [{file, folder}], folder true for a dropped directory (the kernel refuses those)
  async function upload(files) {
    const batch = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
    const specs = files.map(({ file, folder }) => ({ name: file.name, size: file.size, folder }));
    const start = await ask(batch, { action: "upload_start", files: specs });
    if (start.event !== "upload_accept") return;
    try {
      for (const index of start.accepted) {
        const file = files[index].file;
        for (let offset = 0; offset < file.size; ) {
          const chunk = await file.slice(offset, offset + start.chunk).arrayBuffer();
          const ack = await ask(batch, { action: "upload_chunk", index, offset }, [chunk]);
          if (ack.event !== "upload_ack") return;
          offset = ack.received;
        }
      }
    } catch (err) {
      // a file the browser cannot read (moved, deleted, no permission): the kernel drops the batch
      model.send({ action: "upload_cancel", batch, reason: `could not read the file: ${err && err.message ? err.message : err}` });
    }
  }
  return { upload, off: () => model.off("msg:custom", onMsg) };
}

function uploadList(model, node, note) {
  clear(node);
  for (const u of model.get("uploads") || []) {
    const total = Math.max(1, 2 * (u.size || 0));
    const done = u.state === "done" ? total : (u.received || 0) + (u.sent || 0);
    const what = u.state === "done" ? (u.hid != null ? `added as #${u.hid}` : "added")
      : u.state === "uploading" ? "sending to Galaxy" : u.state === "refused" ? `not uploaded: ${u.message}`
      : u.state === "error" ? u.message || "failed" : "reading";
    node.append(
      h(`div.gw-upload.gw-upload-${u.state}`, { dataset: { name: u.name, state: u.state } },
        h("span.gw-upload-name", { title: u.name }, u.name),
        h("span.gw-muted.gw-small", {}, u.size_text || ""),
        h("progress.gw-upload-bar", { max: total, value: u.state === "refused" ? 0 : done }),
        h("span.gw-upload-state.gw-small", {}, what)),
    );
  }
  setMessage(note, model.get("upload_note"), "error");
}

function render({ model, el }) {
  injectStyle();
  const search = h("input.gw-history-search", { type: "text", placeholder: "Search histories", value: model.get("history_search") });
  const histList = h("ul.gw-history-list");
  const histCount = h("div.gw-history-count");
  const filter = h("input.gw-filter", { type: "text", placeholder: "Filter (press Enter)", title: FILTER_HELP, value: model.get("filter_text") });
  const selectAll = h("button.gw-select-all", { type: "button", onclick: () => model.send({ action: "select_all" }) }, "Select all matching");
  const clearSel = h("button.gw-link.gw-clear-selection", { type: "button", onclick: () => setTrait(model, "selected", []) }, "clear selection");
  const extNote = h("span.gw-ext-note.gw-muted.gw-small");
  const tbody = h("tbody");
  const headRow = h("tr");
  const prev = h("button.gw-prev", { type: "button", onclick: () => ask("page", model.get("page") - 1) }, "‹ Prev");
  const next = h("button.gw-next", { type: "button", onclick: () => ask("page", model.get("page") + 1) }, "Next ›");
  const pageInfo = h("span.gw-page-info");
  const selection = h("div.gw-selection");
  const detail = h("div.gw-detail.gw-hidden");
  const message = h("div.gw-msg");
  const uploads = h("div.gw-uploads");
  const uploadNote = h("div.gw-msg.gw-upload-note");
  const cname = h("span.gw-cname");
  const csub = h("span.gw-muted.gw-small");
  const heading = h("div.gw-heading");
  const bar = h("div.gw-loading-bar");
  const histories = h("div.gw-histories", {}, search, histCount, histList);
  const root = h(
    "div.gw-root.gw-history",
    {},
    heading,
    bar,
    h("div.gw-body", {},
      histories,
      h("div.gw-contents", {},
        h("div.gw-contents-head", {}, cname, csub, h("span.gw-spacer"),
          h("span.gw-drop-hint.gw-muted.gw-small", {}, "drag rows into a cell · drop files here to upload")),
        h("div.gw-toolbar", {}, filter, selectAll, extNote),
        h("table.gw-table.gw-contents-table", {}, h("thead", {}, headRow), tbody),
        h("div.gw-pager", {}, prev, next, pageInfo, h("span.gw-spacer"), selection),
        detail)),
    uploads,
    uploadNote,
    message,
  );
  el.append(root);

  // files dragged from the desktop onto the browser: upload them into the history shown
  const dropper = dropUploader(model);
  const carriesFiles = (e) => Array.from(e.dataTransfer?.types || []).includes("Files");
  root.addEventListener("dragover", (e) => {
    if (!carriesFiles(e)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "copy";
    root.classList.add("gw-drop-target");
  });
  root.addEventListener("dragleave", (e) => {
    if (!root.contains(e.relatedTarget)) root.classList.remove("gw-drop-target");
  });
  root.addEventListener("drop", (e) => {
    root.classList.remove("gw-drop-target");
    if (!carriesFiles(e)) return;
    e.preventDefault();
    e.stopPropagation();
    const items = Array.from(e.dataTransfer.items || []).filter((i) => i.kind === "file");
    const files = Array.from(e.dataTransfer.files || []).map((file, i) => {
      const entry = items[i] && items[i].webkitGetAsEntry ? items[i].webkitGetAsEntry() : null;
      return { file, folder: !!(entry && entry.isDirectory) };
    });
    if (files.length) dropper.upload(files);
  });

  const sendSearch = debounce(() => setTrait(model, "history_search", search.value), 350);
  search.addEventListener("input", sendSearch);
  // Show "loading" at once when asking for other rows; the kernel clears it when they arrive.
  function ask(name, value) {
    if (model.get(name) === value) return;
    root.classList.add("gw-loading");
    setTrait(model, name, value);
  }
  filter.addEventListener("keydown", (e) => {
    if (e.key === "Enter") ask("filter_text", filter.value);
  });
  filter.addEventListener("change", () => ask("filter_text", filter.value));

  function toggle(key, on) {
    const current = model.get("selected") || [];
    let next;
    if (!model.get("multiple")) next = on ? [key] : [];
    else next = on ? [...current.filter((x) => x !== key), key] : current.filter((x) => x !== key);
    setTrait(model, "selected", next);
  }

  function rows() {
    const selectable = model.get("selectable");
    const selected = new Set(model.get("selected") || []);
    const shown = (model.get("detail") || {}).key;
    clear(headRow).append(
      ...(selectable ? [h("th.gw-pick-cell")] : []),
      h("th", {}, "#"), h("th", {}, "name"), h("th", {}, "type"), h("th", {}, "state"),
      h("th", { style: "text-align:right" }, "size"), h("th", {}, "tags"),
    );
    clear(tbody);
    const items = model.get("rows") || [];
    for (const row of items) {
      const box = selectable
        ? h("input.gw-pick", { type: model.get("multiple") ? "checkbox" : "radio", checked: selected.has(row.key),
            onclick: (e) => e.stopPropagation(), onchange: (e) => toggle(row.key, e.target.checked) })
        : null;
      const typeText = row.type === "collection" ? `${row.extension} (${row.elements ?? "?"})` : row.extension;
      tbody.append(
        // a row is known by its key (dataset-ID / dataset_collection-ID): a dataset and a collection may share an id
        h(`tr.gw-history-row${selected.has(row.key) ? ".gw-selected" : ""}${shown === row.key ? ".gw-shown" : ""}`,
          { dataset: { key: row.key, id: row.id, hid: row.hid, state: row.state, type: row.type },
            draggable: true,
            title: row.code ? `Drag into a cell: ${row.code}` : null,
            ondragstart: (e) => {
              // text/plain: JupyterLab's editor takes it as typed code, no extension needed
              e.dataTransfer.setData("text/plain", row.code || "");
              e.dataTransfer.effectAllowed = "copy";
            },
            onclick: () => model.send({ action: "show", key: row.key }) },
          ...(selectable ? [h("td.gw-pick-cell", {}, box)] : []),
          h("td.gw-hid", {}, row.hid),
          h("td.gw-name", {}, row.type === "collection" ? "▤ " : "", row.name),
          h("td.gw-ext", {}, typeText),
          h("td", {}, stateBadge(row.state)),
          h("td.gw-size", {}, row.size || ""),
          h("td", {}, chips(row.tags))),
      );
    }
    if (!items.length) {
      const cols = selectable ? 7 : 6;
      const why = !model.get("history_id") ? "Choose a history." : model.get("filter_text") ? "Nothing matches this filter." : "This history is empty.";
      tbody.append(h("tr", {}, h("td.gw-empty", { colSpan: cols }, model.get("loading") ? "Loading…" : why)));
    }
  }

  function pager() {
    const total = model.get("total");
    const size = model.get("page_size");
    const page = model.get("page");
    const first = total ? page * size + 1 : 0;
    const last = Math.min(total, (page + 1) * size);
    pageInfo.textContent = total ? `${first}–${last} of ${total}` : "0 items";
    prev.disabled = page <= 0;
    next.disabled = last >= total;
    selectAll.textContent = `Select all ${total} matching`;
    selectAll.disabled = !total;
  }

  function selectionLine() {
    const n = (model.get("selected") || []).length;
    const selectable = model.get("selectable");
    selectAll.classList.toggle("gw-hidden", !selectable || !model.get("multiple"));
    clear(selection);
    if (selectable) {
      // native append() writes null as the text "null": only real nodes go in
      selection.append(
        ...[
          h("span.gw-selection-count", {}, n ? `${n} selected` : "nothing selected"),
          n ? h("span.gw-muted", {}, `: ${model.get("selection_summary") || ""}`) : null,
          n ? clearSel : null,
        ].filter(Boolean),
      );
    }
  }

  function header() {
    clear(heading).append(title(model.get("title"), model.get("subtitle")));
    const hasHistories = model.get("show_histories");
    root.classList.toggle("gw-no-histories", !hasHistories);
    histories.classList.toggle("gw-hidden", !hasHistories);
    const exts = model.get("extensions") || [];
    extNote.textContent = exts.length ? `only ${exts.join(", ")}` : "";
  }

  function contentsHead() {
    cname.textContent = model.get("history_name") || "";
    csub.textContent = model.get("history_id") ? "" : "no history chosen";
  }

  function status() {
    root.classList.toggle("gw-loading", !!model.get("loading"));
    const err = model.get("filter_error") || model.get("error");
    setMessage(message, err, "error");
    filter.classList.toggle("gw-invalid", !!model.get("filter_error"));
  }

  const offs = [
    watch(model, ["histories", "histories_total", "history_id"], () => historyList(model, histList, histCount)),
    watch(model, ["rows", "selected", "selectable", "multiple", "detail"], rows),
    watch(model, ["total", "page", "page_size"], pager),
    watch(model, ["selected", "selection_summary", "selectable", "multiple"], selectionLine),
    watch(model, ["title", "subtitle", "show_histories", "extensions"], header),
    watch(model, ["history_name", "history_id"], contentsHead),
    watch(model, ["detail"], () => detailView(model, detail)),
    watch(model, ["loading", "error", "filter_error"], () => {
      status();
      if (!(model.get("rows") || []).length) rows();
    }),
    watch(model, ["uploads", "upload_note"], () => uploadList(model, uploads, uploadNote)),
    watch(model, ["filter_text"], () => {
      if (document.activeElement !== filter) filter.value = model.get("filter_text");
    }),
  ];
  header();
  historyList(model, histList, histCount);
  contentsHead();
  rows();
  pager();
  selectionLine();
  detailView(model, detail);
  status();
  uploadList(model, uploads, uploadNote);
  return () => {
    offs.forEach((off) => off());
    dropper.off();
  };
}

export default { render };
