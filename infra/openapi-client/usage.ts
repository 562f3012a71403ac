// What a Mini App written in TypeScript does with the generated client: each call must type-check
// against docs/openapi.json, so a document that misleads a generator (a wrong status, an untyped
// body, an internal parameter, a missing problem) fails OpenApiClientTest, and flow.ts runs these
// calls against a live gateway.
import createClient from "openapi-fetch";
import type { components, paths } from "./build/schema";

type Problem = components["schemas"]["Problem"];
type Api = ReturnType<typeof createClient<paths>>;

/** A client for the gateway at {@code baseUrl}, signed in with a Mini App's initData. */
export function connect(baseUrl: string, initData: string): Api {
  return createClient<paths>({ baseUrl, headers: { Authorization: `tma ${initData}` } });
}

/** A start: 202 with the generation's id and the balance after the hold, or a problem to show. */
export async function start(api: Api, prompt: string, key: string): Promise<string> {
  const { data, error, response } = await api.POST("/api/generation/start", {
    params: { header: { "Idempotency-Key": key } },
    body: { model_id: "flux-schnell", prompt, params: { num_images: 1 } },
  });
  if (error) {
    const problem: Problem = error;
    if (problem.code === "INSUFFICIENT_CREDITS") {
      return `${problem.message} (${problem.required} needed, ${problem.available} available)`;
    }
    return problem.message;
  }
  const accepted: number = response.status; // 202
  const held: number = data.credits_held;
  const status: "pending" | "processing" | "completed" | "failed" | "cancelled" = data.status;
  return `${data.generation_id} ${status} ${data.price} ${held} ${accepted}`;
}

/** A generation's status and result URLs. */
export async function status(api: Api, id: string): Promise<string[]> {
  const { data, error } = await api.GET("/api/generation/{id}", { params: { path: { id } } });
  if (error) {
    const code: Problem["code"] = error.code;
    return [code];
  }
  return [data.status, ...data.result_urls];
}

/** The balance and the history, paged. */
export async function account(api: Api): Promise<number> {
  const me = await api.GET("/api/me");
  const page = await api.GET("/api/generations", { params: { query: { limit: 20 } } });
  const ledger = await api.GET("/api/me/ledger", { params: { query: { limit: 20 } } });
  const generations = page.data?.items.length ?? 0;
  const entries = ledger.data?.items.length ?? 0;
  return (me.data?.credits_available ?? 0) * 10_000 + generations * 100 + entries;
}

/** Buying credits: packs, then an invoice for Telegram.WebApp.openInvoice. */
export async function buy(api: Api, key: string): Promise<string | null> {
  const packs = await api.GET("/api/credit-packs");
  const first = packs.data?.items[0];
  if (!first) {
    return null;
  }
  const { data, error } = await api.POST("/api/payments/invoice", {
    params: { header: { "Idempotency-Key": key } },
    body: { pack_id: first.id },
  });
  if (error) {
    return error.message;
  }
  return data.invoice_link;
}

/** The catalog needs no initData. */
export async function models(api: Api): Promise<string[]> {
  const { data } = await api.GET("/api/models");
  return (data?.items ?? []).map((m) => `${m.id}: ${m.kind} ${m.price}`);
}
