import { MemoryStore } from "../store/memory.js";
import type { Store } from "../store/store.js";
import type { ServiceAccountTokenConfig } from "./auth/serviceaccount/index.js";
import type { UserInfo } from "./auth/types.js";
import type { Clock } from "./registry/rest.js";
import { ApiServer } from "./server.js";

/** An API server on a free loopback port over plain HTTP, for tests; `call` speaks JSON to it. */
export async function startTestServer(opts: { store?: Store; token?: string; tokenFile?: ReadonlyMap<string, UserInfo>; serviceAccounts?: ServiceAccountTokenConfig; clock?: Clock; authorizationModes?: Array<"Node" | "RBAC"> } = {}) {
  const store = opts.store ?? new MemoryStore();
  const server = new ApiServer({ store, token: opts.token, tokenFile: opts.tokenFile, serviceAccounts: opts.serviceAccounts, clock: opts.clock, authorizationModes: opts.authorizationModes, log: () => {} });
  const port = await server.listen(0);
  const base = `http://127.0.0.1:${port}`;
  async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const init: RequestInit = { method, headers: { "Content-Type": "application/json", ...headers } };
    if (body !== undefined) init.body = typeof body === "string" || body instanceof Uint8Array ? (body as string) : JSON.stringify(body);
    const res = await fetch(base + path, init);
    const text = await res.text();
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = { text };
    }
    return { status: res.status, body: json };
  }
  return { server, store, base, call, close: async () => { await server.close(); await store.close(); } };
}
