// Connect: server URL plus an API key or email + password. The secret goes to the kernel once, on
// "Connect", and the kernel clears it from the widget state at once; the input box is emptied here too.
import { h, injectStyle, setMessage, title, watch } from "./lib/dom.js";

function render({ model, el }) {
  injectStyle();
  const url = h("input.gw-url", { type: "url", placeholder: "https://usegalaxy.org", value: model.get("url") });
  const key = h("input.gw-api-key", { type: "password", placeholder: "paste your API key", autocomplete: "off" });
  const email = h("input.gw-email", { type: "email", placeholder: "you@example.org", value: model.get("email") });
  const password = h("input.gw-password", { type: "password", autocomplete: "off" });
  const modeKey = h("input", { type: "radio", name: `gw-mode-${model.cid || Math.random()}`, value: "key" });
  const modeLogin = h("input", { type: "radio", name: modeKey.name, value: "login" });
  const button = h("button.gw-primary.gw-connect-button", { type: "button" }, "Connect");
  const status = h("div.gw-msg.gw-status");
  const keyRows = [h("label", {}, "API key"), key];
  const loginRows = [h("label", {}, "Email"), email, h("label", {}, "Password"), password];
  const form = h("div.gw-form", {}, h("label", {}, "Galaxy server"), url, ...keyRows, ...loginRows);
  const root = h(
    "div.gw-root.gw-connect",
    {},
    title("Connect to Galaxy"),
    h("div.gw-modes", {},
      h("label", {}, modeKey, "API key"),
      h("label", {}, modeLogin, "Email and password")),
    form,
    h("div.gw-actions", {}, button, h("span.gw-muted.gw-small", {},
      "Your key stays in the kernel; it is never stored in the notebook.")),
    status,
  );
  el.append(root);

  function showMode() {
    const login = model.get("mode") === "login";
    modeKey.checked = !login;
    modeLogin.checked = login;
    for (const n of keyRows) n.classList.toggle("gw-hidden", login);
    for (const n of loginRows) n.classList.toggle("gw-hidden", !login);
  }
  function showStatus() {
    const s = model.get("status");
    const kind = s === "error" ? "error" : s === "connected" ? "ok" : "info";
    setMessage(status, model.get("message"), kind);
    root.dataset.status = s;
    button.disabled = s === "connecting";
    button.textContent = s === "connecting" ? "Connecting…" : s === "connected" ? "Reconnect" : "Connect";
  }
  for (const radio of [modeKey, modeLogin]) {
    radio.addEventListener("change", () => {
      model.set("mode", radio.value);
      model.save_changes();
    });
  }
  function submit() {
    const login = model.get("mode") === "login";
    model.set("url", url.value.trim());
    if (login) {
      model.set("email", email.value.trim());
      model.set("password", password.value);
    } else {
      model.set("api_key", key.value.trim());
    }
    model.set("submit", (model.get("submit") || 0) + 1);
    model.save_changes();
    key.value = "";
    password.value = "";
  }
  button.addEventListener("click", submit);
  for (const input of [key, password, url, email]) {
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") submit();
    });
  }
  const offUrl = watch(model, ["url"], () => {
    if (document.activeElement !== url) url.value = model.get("url");
  });
  const offMode = watch(model, ["mode"], showMode);
  const offStatus = watch(model, ["status", "message"], showStatus);
  showMode();
  showStatus();
  return () => {
    offUrl();
    offMode();
    offStatus();
  };
}

export default { render };
