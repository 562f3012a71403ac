// Runs usage.ts's calls against a live gateway (OpenApiClientTest starts one): NANOGEN_BASE_URL and
// NANOGEN_INIT_DATA name it and a user with credits. Prints what it saw; exits 1 on a surprise.
import { account, buy, connect, models, start, status } from "./usage.js";

function expect(what: string, ok: boolean, seen: unknown): void {
  if (!ok) {
    console.error(`unexpected ${what}: ${JSON.stringify(seen)}`);
    process.exit(1);
  }
  console.log(`${what}: ${JSON.stringify(seen)}`);
}

const api = connect(process.env.NANOGEN_BASE_URL ?? "", process.env.NANOGEN_INIT_DATA ?? "");
const catalog = await models(api);
expect("catalog", catalog.includes("flux-schnell: image 1"), catalog);
const started = (await start(api, "a typed cat", `ts-${Date.now()}`)).split(" ");
expect("start", started[1] === "pending" && started[4] === "202", started);
const seen = await status(api, started[0]);
expect("status", seen[0] === "pending", seen);
const missing = await status(api, "00000000-0000-0000-0000-000000000000");
expect("404", missing[0] === "GENERATION_NOT_FOUND", missing);
const balance = await account(api);
expect("account", balance > 0, balance);
const link = await buy(api, `ts-buy-${Date.now()}`);
expect("invoice", typeof link === "string" && link.startsWith("https://"), link);
