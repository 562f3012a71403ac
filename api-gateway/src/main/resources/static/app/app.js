// The reference Mini App: plain ES module, no framework, no build step. Everything it shows comes
// from the API it documents (docs/api.md); every call carries `Authorization: tma <initData>`.
// Inside Telegram (or the test's stand-in of its client bridge) it uses Telegram.WebApp: the
// MainButton is Start, the BackButton drops the chosen photo, a finished generation buzzes, an
// invoice's callback refreshes the balance, the theme and safe areas come from the client.

const webApp = () => (window.Telegram && window.Telegram.WebApp) || null;
/** Whether a Telegram client answers (outside one the script still loads, with platform "unknown"). */
const inTelegram = () => Boolean(webApp() && webApp().platform && webApp().platform !== "unknown");

/** initData as Telegram gives it: Telegram.WebApp.initData, or #tgWebAppData=… in the URL. */
function initData() {
  const fromTelegram = webApp() && webApp().initData;
  if (fromTelegram) {
    return fromTelegram;
  }
  const hash = new URLSearchParams(window.location.hash.slice(1));
  return hash.get("tgWebAppData") || "";
}

const TEXTS = {
  en: {
    photo: "Your photo", clear: "Remove the photo", model: "Model", prompt: "Prompt", start: "Start",
    history: "History", buy: "Buy credits", credits: "credits", inUse: "in use", recent: "Recent photos",
    promptHint: "a red fox in the snow", editHint: "make it a watercolour", paid: "Payment received: your credits are on the way.",
    outside: "Open this app from the bot in Telegram.", unavailable: "unavailable", uploading: "Uploading…",
  },
  ru: {
    photo: "Ваше фото", clear: "Убрать фото", model: "Модель", prompt: "Запрос", start: "Начать",
    history: "История", buy: "Купить кредиты", credits: "кредитов", inUse: "в работе", recent: "Недавние фото",
    promptHint: "рыжая лиса в снегу", editHint: "сделай акварелью", paid: "Оплата получена: кредиты уже в пути.",
    outside: "Откройте это приложение из бота в Telegram.", unavailable: "недоступна", uploading: "Загрузка…",
  },
  uz: {
    photo: "Rasmingiz", clear: "Rasmni olib tashlash", model: "Model", prompt: "So‘rov", start: "Boshlash",
    history: "Tarix", buy: "Kredit sotib olish", credits: "kredit", inUse: "ishlatilmoqda", recent: "So‘nggi rasmlar",
    promptHint: "qordagi qizil tulki", editHint: "akvarel qilib ber", paid: "To‘lov qabul qilindi: kreditlar yo‘lda.",
    outside: "Ushbu ilovani Telegram’dagi botdan oching.", unavailable: "mavjud emas", uploading: "Yuklanmoqda…",
  },
};

/** The user's language as initData names it (ru, uz; anything else: en). */
function language() {
  let code = webApp() && webApp().initDataUnsafe && webApp().initDataUnsafe.user
    && webApp().initDataUnsafe.user.language_code;
  if (!code) {
    try {
      code = JSON.parse(new URLSearchParams(initData()).get("user") || "{}").language_code;
    } catch (e) {
      code = "en";
    }
  }
  return TEXTS[code] ? code : "en";
}
const t = (key) => TEXTS[language()][key] || TEXTS.en[key];

const $ = (id) => document.getElementById(id);
const state = { generations: new Map(), models: [], busy: false, photo: null, uploads: [], mine: new Set() };

/** One API call; a problem+json answer becomes an Error carrying the problem. */
async function api(method, path, body, headers = {}) {
  const isForm = body instanceof FormData;
  const response = await fetch(path, {
    method,
    headers: Object.assign({ Authorization: "tma " + initData() }, body && !isForm ? { "Content-Type": "application/json" } : {}, headers),
    body: body ? (isForm ? body : JSON.stringify(body)) : undefined,
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

function haptic(kind) {
  const feedback = webApp() && webApp().HapticFeedback;
  if (inTelegram() && feedback) {
    feedback.notificationOccurred(kind);
  }
}

function renderBalance(me) {
  $("balance").textContent = `${me.credits_available} ${t("credits")}` + (me.credits_held ? ` (${me.credits_held} ${t("inUse")})` : "");
  $("balance").dataset.available = String(me.credits_available);
}

/** The models that fit the choice: with a photo, those that take one; without, the text ones. */
function renderModels() {
  const select = $("model");
  const previous = select.value;
  select.innerHTML = "";
  for (const model of state.models) {
    const inputs = model.inputs || { min: 0, max: 0 };
    if (state.photo ? inputs.max < 1 : inputs.min > 0) {
      continue;
    }
    const option = document.createElement("option");
    option.value = model.id;
    option.textContent = `${model.name} — ${model.price} ${t("credits")}` + (model.available ? "" : ` (${t("unavailable")})`);
    option.disabled = !model.available;
    option.selected = model.id === previous;
    select.appendChild(option);
  }
  $("prompt").placeholder = state.photo ? t("editHint") : t("promptHint");
  renderParams();
}

/** Controls from the model's params JSON Schema: enum → select, number → number, boolean → checkbox. */
function renderParams() {
  const box = $("params");
  box.innerHTML = "";
  const model = selectedModel();
  const properties = (model && model.params && model.params.properties) || {};
  for (const [name, schema] of Object.entries(properties)) {
    const label = document.createElement("label");
    label.textContent = name.replace(/_/g, " ");
    let input;
    if (Array.isArray(schema.enum)) {
      input = document.createElement("select");
      if (schema.default === undefined) {
        input.appendChild(new Option("—", ""));
      }
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
    input.addEventListener("change", renderPrice);
    label.appendChild(input);
    box.appendChild(label);
  }
  renderPrice();
}

const selectedModel = () => state.models.find((m) => m.id === $("model").value);

function params() {
  const result = {};
  for (const input of $("params").querySelectorAll("[data-param]")) {
    const type = input.dataset.type;
    if (input.tagName === "SELECT") {
      if (input.value !== "") {
        result[input.dataset.param] = JSON.parse(input.value);
      }
    } else if (type === "boolean") {
      result[input.dataset.param] = input.checked;
    } else if (input.value !== "") {
      result[input.dataset.param] = type === "integer" || type === "number" ? Number(input.value) : input.value;
    }
  }
  return result;
}

/** The price the gateway will hold, from the model's pricing rule (docs/api.md, "pricing"). */
function priceOf(model, given, inputs) {
  const pricing = model.pricing || {};
  const effective = {};
  for (const [name, schema] of Object.entries((model.params && model.params.properties) || {})) {
    if (schema.default !== undefined) effective[name] = schema.default;
  }
  Object.assign(effective, given);
  let price = model.price;
  for (const [name, units] of Object.entries(pricing.per || {})) {
    price = price * Number(effective[name] ?? 1) / Number(units);
  }
  for (const [name, table] of Object.entries(pricing.factors || {})) {
    const factor = table[String(effective[name])];
    if (factor !== undefined) price *= Number(factor);
  }
  const perInput = pricing.inputs || {};
  price += Number(perInput.each || 0) * Math.max(0, inputs - Number(perInput.included || 0));
  return Math.max(1, Math.ceil(price - 1e-9));
}

/** Start's label carries the price; inside Telegram the MainButton is Start. */
function renderPrice() {
  const model = selectedModel();
  const label = model ? `${t("start")} · ${priceOf(model, params(), state.photo ? 1 : 0)} ${t("credits")}` : t("start");
  $("price").textContent = label;
  $("start").textContent = label;
  const main = webApp() && webApp().MainButton;
  if (inTelegram() && main) {
    main.setText(label);
    model ? main.show() : main.hide();
  }
}

/** A photo chosen: previewed, the models that take one offered, the BackButton drops it. */
function choose(upload, previewUrl) {
  state.photo = upload;
  $("preview").hidden = !upload;
  $("preview-image").src = previewUrl || "";
  $("preview").dataset.upload = upload ? upload.upload_id : "";
  const back = webApp() && webApp().BackButton;
  if (inTelegram() && back) {
    upload ? back.show() : back.hide();
  }
  renderModels();
}

async function uploadFile(file) {
  show(t("uploading"));
  const form = new FormData();
  form.append("file", file, file.name);
  try {
    const upload = await api("POST", "/api/uploads", form);
    show("");
    choose(upload, URL.createObjectURL(file));
    await loadUploads();
  } catch (error) {
    show(error.message);
  } finally {
    $("file").value = "";
  }
}

/** The caller's own upload, fetched with initData (an <img> cannot send it) for a thumbnail. */
async function thumbnail(upload) {
  const response = await fetch(`/api/uploads/${upload.upload_id}/file`, { headers: { Authorization: "tma " + initData() } });
  return response.ok ? URL.createObjectURL(await response.blob()) : "";
}

async function loadUploads() {
  const page = await api("GET", "/api/uploads?limit=6");
  state.uploads = page.items || [];
  const box = $("recent");
  box.innerHTML = "";
  for (const upload of state.uploads) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "thumb";
    button.dataset.upload = upload.upload_id;
    button.title = `${upload.width}×${upload.height}`;
    const img = document.createElement("img");
    img.alt = t("recent");
    button.appendChild(img);
    thumbnail(upload).then((url) => { img.src = url; button.addEventListener("click", () => choose(upload, url)); });
    box.appendChild(button);
  }
}

function renderGeneration(g) {
  const before = state.generations.get(g.generation_id);
  state.generations.set(g.generation_id, g);
  if (state.mine.has(g.generation_id) && before && before.status !== g.status) {
    if (g.status === "completed") haptic("success");
    if (g.status === "failed") haptic("error");
  }
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
  head.append(status, document.createTextNode(` · ${g.model_id} · ${g.price} ${t("credits")}`));
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
    if (/\.mp4(\?|$)/.test(url)) {
      const video = document.createElement("video");
      Object.assign(video, { src: url, controls: true, autoplay: true, muted: true, loop: true, playsInline: true });
      item.appendChild(video);
    } else {
      const img = document.createElement("img");
      img.src = url;
      img.alt = g.prompt;
      item.appendChild(img);
    }
  }
}

async function start() {
  if (state.busy || !selectedModel()) {
    return;
  }
  state.busy = true;
  $("start").disabled = true; // the audit's double tap: one request per tap, none while one is in flight
  const main = inTelegram() && webApp().MainButton;
  if (main) main.showProgress(false);
  show("");
  try {
    const body = { model_id: $("model").value, prompt: $("prompt").value, params: params() };
    if (state.photo) {
      body.input_ids = [state.photo.upload_id];
    }
    const accepted = await api("POST", "/api/generation/start", body, { "Idempotency-Key": newKey() });
    state.mine.add(accepted.generation_id);
    renderBalance({ credits_available: accepted.credits_available, credits_held: accepted.credits_held });
    renderGeneration(await api("GET", `/api/generation/${accepted.generation_id}`));
  } catch (error) {
    show(error.message);
    haptic("error");
  } finally {
    state.busy = false;
    $("start").disabled = false;
    if (main) main.hideProgress();
  }
}

async function buy(pack) {
  show("");
  try {
    const invoice = await api("POST", "/api/payments/invoice", { pack_id: pack.id }, { "Idempotency-Key": newKey() });
    if (inTelegram() && typeof webApp().openInvoice === "function") {
      webApp().openInvoice(invoice.invoice_link, (status) => {
        if (status === "paid") {
          show(t("paid"));
          haptic("success");
          refreshBalance();
        }
      });
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
      button.dataset.pack = pack.id;
      button.textContent = `${pack.credits} ${t("credits")} · ${pack.stars} Stars`;
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

async function refreshBalance() {
  renderBalance(await api("GET", "/api/me"));
}

async function refresh() {
  await refreshBalance();
  const page = await api("GET", "/api/generations?limit=20");
  for (const g of [...(page.items || [])].reverse()) {
    renderGeneration(g);
  }
}

function translate() {
  document.documentElement.lang = language();
  for (const element of document.querySelectorAll("[data-text]")) {
    element.textContent = t(element.dataset.text);
  }
}

async function main() {
  const telegram = webApp();
  if (inTelegram()) {
    telegram.ready();
    telegram.expand();
    telegram.MainButton.onClick(start);
    telegram.BackButton.onClick(() => choose(null));
  }
  translate();
  if (!initData()) {
    show(t("outside"));
    return;
  }
  $("start").addEventListener("click", start);
  $("model").addEventListener("change", renderParams);
  $("file").addEventListener("change", () => $("file").files[0] && uploadFile($("file").files[0]));
  $("clear").addEventListener("click", () => choose(null));
  try {
    state.models = (await api("GET", "/api/models")).items || [];
    renderModels();
    await refresh();
    await loadUploads();
    // The bot's "open in the app" button names the photo: ?upload=<id>.
    const named = new URLSearchParams(window.location.search).get("upload");
    const upload = named && state.uploads.find((u) => u.upload_id === named);
    if (upload) {
      choose(upload, await thumbnail(upload));
    }
    await loadPacks();
    await follow();
  } catch (error) {
    show(error.message);
  }
}

main();
