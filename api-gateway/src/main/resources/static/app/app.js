// The reference Mini App: plain ES module, no framework, no build step. Everything it shows comes
// from the API it documents (docs/api.md); every call carries `Authorization: tma <initData>`.

const webApp = () => (window.Telegram && window.Telegram.WebApp) || null;

/** initData as Telegram gives it: Telegram.WebApp.initData, or #tgWebAppData=… in the URL. */
function initData() {
  const fromTelegram = webApp() && webApp().initData;
  if (fromTelegram) {
    return fromTelegram;
  }
  const hash = new URLSearchParams(window.location.hash.slice(1));
  return hash.get("tgWebAppData") || "";
}

const $ = (id) => document.getElementById(id);
const state = { generations: new Map(), models: [], busy: false };

/** One API call; a problem+json answer becomes an Error carrying the problem. */
async function api(method, path, body, headers = {}) {
  const response = await fetch(path, {
    method,
    headers: Object.assign({ Authorization: "tma " + initData() }, body ? { "Content-Type": "application/json" } : {}, headers),
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const error = new Error((json && json.message) || response.statusText);
    error.problem = json;
    throw error;
  }
  return json;
}

/** A key per tap: a retried tap never starts (or pays) twice. */
function newKey() {
  if (window.crypto && typeof window.crypto.randomUUID === "function") {
    return window.crypto.randomUUID();
  }
  return "k-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
}

function show(message) {
  const box = $("message");
  box.textContent = message || "";
  box.hidden = !message;
}

function renderBalance(me) {
  $("balance").textContent = `${me.credits_available} credits` + (me.credits_held ? ` (${me.credits_held} in use)` : "");
  $("balance").dataset.available = String(me.credits_available);
}

function renderModels() {
  const select = $("model");
  select.innerHTML = "";
  for (const model of state.models) {
    const option = document.createElement("option");
    option.value = model.id;
    option.textContent = `${model.name} — ${model.price} credits` + (model.available ? "" : " (unavailable)");
    option.disabled = !model.available;
    select.appendChild(option);
  }
  renderParams();
}

/** Controls from the model's params JSON Schema: enum → select, number → number, boolean → checkbox. */
function renderParams() {
  const box = $("params");
  box.innerHTML = "";
  const model = state.models.find((m) => m.id === $("model").value);
  const properties = (model && model.params && model.params.properties) || {};
  for (const [name, schema] of Object.entries(properties)) {
    const label = document.createElement("label");
    label.textContent = name.replace(/_/g, " ");
    let input;
    if (Array.isArray(schema.enum)) {
      input = document.createElement("select");
      for (const value of schema.enum) {
        const option = document.createElement("option");
        option.value = JSON.stringify(value);
        option.textContent = String(value);
        option.selected = value === schema.default;
        input.appendChild(option);
      }
    } else if (schema.type === "boolean") {
      input = document.createElement("input");
      input.type = "checkbox";
      input.checked = schema.default === true;
    } else {
      input = document.createElement("input");
      input.type = schema.type === "integer" || schema.type === "number" ? "number" : "text";
      if (schema.minimum !== undefined) input.min = schema.minimum;
      if (schema.maximum !== undefined) input.max = schema.maximum;
      if (schema.default !== undefined) input.value = schema.default;
    }
    input.dataset.param = name;
    input.dataset.type = schema.type || (Array.isArray(schema.enum) ? "enum" : "string");
    label.appendChild(input);
    box.appendChild(label);
  }
}

function params() {
  const result = {};
  for (const input of $("params").querySelectorAll("[data-param]")) {
    const type = input.dataset.type;
    if (input.tagName === "SELECT") {
      result[input.dataset.param] = JSON.parse(input.value);
    } else if (type === "boolean") {
      result[input.dataset.param] = input.checked;
    } else if (input.value !== "") {
      result[input.dataset.param] = type === "integer" || type === "number" ? Number(input.value) : input.value;
    }
  }
  return result;
}

function renderGeneration(g) {
  state.generations.set(g.generation_id, g);
  let item = document.querySelector(`[data-generation="${g.generation_id}"]`);
  if (!item) {
    item = document.createElement("li");
    item.dataset.generation = g.generation_id;
    $("history").prepend(item);
  }
  item.dataset.status = g.status;
  item.innerHTML = "";
  const head = document.createElement("div");
  const status = document.createElement("span");
  status.className = "status";
  status.textContent = g.status;
  head.append(status, document.createTextNode(` · ${g.model_id} · ${g.price} credits`));
  const prompt = document.createElement("div");
  prompt.textContent = g.prompt;
  item.append(head, prompt);
  if (g.error && g.error.message) {
    const error = document.createElement("div");
    error.className = "message";
    error.textContent = g.error.message;
    item.appendChild(error);
  }
  for (const url of g.result_urls || []) {
    const img = document.createElement("img");
    img.src = url;
    img.alt = g.prompt;
    item.appendChild(img);
  }
}

async function start() {
  if (state.busy) {
    return;
  }
  state.busy = true;
  $("start").disabled = true; // the audit's double tap: one request per tap, none while one is in flight
  show("");
  try {
    const accepted = await api("POST", "/api/generation/start",
      { model_id: $("model").value, prompt: $("prompt").value, params: params() }, { "Idempotency-Key": newKey() });
    renderBalance({ credits_available: accepted.credits_available, credits_held: accepted.credits_held });
    renderGeneration(await api("GET", `/api/generation/${accepted.generation_id}`));
  } catch (error) {
    show(error.message);
  } finally {
    state.busy = false;
    $("start").disabled = false;
  }
}

async function buy(pack) {
  show("");
  try {
    const invoice = await api("POST", "/api/payments/invoice", { pack_id: pack.id }, { "Idempotency-Key": newKey() });
    if (webApp() && typeof webApp().openInvoice === "function") {
      webApp().openInvoice(invoice.invoice_link);
    } else {
      window.open(invoice.invoice_link, "_blank");
    }
  } catch (error) {
    show(error.message);
  }
}

async function loadPacks() {
  try {
    const packs = await api("GET", "/api/credit-packs");
    const box = $("packs");
    box.innerHTML = "";
    for (const pack of packs.items || []) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = `${pack.credits} credits · ${pack.stars} Stars`;
      button.addEventListener("click", () => buy(pack));
      box.appendChild(button);
    }
  } catch (error) {
    $("buy").hidden = true;
  }
}

/** Live progress: EventSource with a single-use token; polling where EventSource is missing. */
async function follow() {
  if (typeof window.EventSource !== "function") {
    setInterval(refresh, 3000);
    return;
  }
  const { token } = await api("POST", "/api/events/token");
  const events = new EventSource(`/api/events?token=${encodeURIComponent(token)}`);
  events.addEventListener("generation", (e) => renderGeneration(JSON.parse(e.data)));
  events.addEventListener("balance", (e) => renderBalance(JSON.parse(e.data)));
  events.onerror = () => {
    // The token was used: reconnect with a new one (EventSource would retry with the old one).
    events.close();
    setTimeout(() => follow().then(refresh).catch(() => setTimeout(follow, 5000)), 1000);
  };
}

async function refresh() {
  renderBalance(await api("GET", "/api/me"));
  const page = await api("GET", "/api/generations?limit=20");
  for (const g of [...(page.items || [])].reverse()) {
    renderGeneration(g);
  }
}

async function main() {
  const telegram = webApp();
  if (telegram && typeof telegram.ready === "function") {
    telegram.ready();
  }
  if (!initData()) {
    show("Open this app from the bot in Telegram.");
    return;
  }
  $("start").addEventListener("click", start);
  $("model").addEventListener("change", renderParams);
  try {
    state.models = (await api("GET", "/api/models")).items || [];
    renderModels();
    await refresh();
    await loadPacks();
    await follow();
  } catch (error) {
    show(error.message);
  }
}

main();
