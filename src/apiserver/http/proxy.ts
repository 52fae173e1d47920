import { kubeletAuthorization, kubeletTls, type KubeletClientConfig } from "./kubelet-client.js";
import { request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { request as httpsRequest } from "node:https";
import { badRequest, StatusError } from "../../api/errors.js";
import type { KubeObject } from "../../api/types.js";
import type { RestStore } from "../registry/rest.js";
import { kubeletEndpoint } from "./pod-stream.js";

/** A proxy id: upstream's SplitSchemeNamePort (`web`, `web:80`, `https:web:8443`, `web:http`). */
export interface ProxyId {
  scheme: "http" | "https";
  name: string;
  port: string;
}

export function parseProxyId(id: string): ProxyId {
  const parts = id.split(":");
  if (parts.length === 3 && (parts[0] === "http" || parts[0] === "https")) return { scheme: parts[0], name: parts[1]!, port: parts[2]! };
  if (parts.length <= 2 && parts[0]) return { scheme: "http", name: parts[0], port: parts[1] ?? "" };
  throw badRequest(`invalid service request "${id}"`);
}

interface PodShape {
  spec?: { nodeName?: string; containers?: Array<{ ports?: Array<{ name?: string; containerPort: number }> }> };
  status?: { podIP?: string };
}
interface ServiceShape {
  spec?: { ports?: Array<{ name?: string; port: number }> };
}
interface EndpointsShape {
  subsets?: Array<{ addresses?: Array<{ ip: string }>; ports?: Array<{ name?: string; port: number }> }>;
}

export interface ProxyStores {
  pods: RestStore;
  services: RestStore;
  endpoints: RestStore;
  nodes: RestStore;
}

/** Where pods/{id}/proxy goes: the pod's IP and the port by number or by a container port's name. */
async function podLocation(stores: ProxyStores, namespace: string, id: ProxyId): Promise<string> {
  const pod = (await stores.pods.get(namespace, id.name)) as KubeObject & PodShape;
  const ip = pod.status?.podIP;
  if (!ip) throw new StatusError(503, "ServiceUnavailable", `pod "${id.name}" has no IP address yet`);
  let port = id.port;
  if (port && !/^\d+$/.test(port)) {
    const named = (pod.spec?.containers ?? []).flatMap((c) => c.ports ?? []).find((p) => p.name === port);
    if (!named) throw new StatusError(503, "ServiceUnavailable", `no port named "${port}" in pod "${id.name}"`);
    port = String(named.containerPort);
  }
  return `${ip}:${port || "80"}`;
}

/** Where services/{id}/proxy goes: a ready endpoint of the service port named or numbered (upstream's service ResourceLocation). */
async function serviceLocation(stores: ProxyStores, namespace: string, id: ProxyId): Promise<string> {
  const svc = (await stores.services.get(namespace, id.name)) as KubeObject & ServiceShape;
  const ports = svc.spec?.ports ?? [];
  const svcPort = id.port === "" ? ports[0] : ports.find((p) => p.name === id.port || String(p.port) === id.port);
  if (!svcPort) throw new StatusError(503, "ServiceUnavailable", `no service port "${id.port}" found for service "${id.name}"`);
  let endpoints: EndpointsShape | undefined;
  try {
    endpoints = (await stores.endpoints.get(namespace, id.name)) as KubeObject & EndpointsShape;
  } catch {
    endpoints = undefined;
  }
  const choices = (endpoints?.subsets ?? []).flatMap((s) => {
    const p = (s.ports ?? []).find((x) => (x.name ?? "") === (svcPort.name ?? ""));
    return p ? (s.addresses ?? []).map((a) => `${a.ip}:${p.port}`) : [];
  });
  if (choices.length === 0) throw new StatusError(503, "ServiceUnavailable", `no endpoints available for service "${id.name}"`);
  return choices[Math.floor(Math.random() * choices.length)]!;
}

/**
 * pods/{id}/proxy/{path}, services/{id}/proxy/{path} and nodes/{id}/proxy/{path}: the request (method,
 * headers but the client's credentials, body, query) is sent on to the pod, a ready endpoint of the
 * service, or the node agent (HTTPS, with the API server's token), and the answer streamed back as it
 * is. A target that can't be reached is a 503, as upstream's "error trying to reach service".
 */
export async function proxyHttp(
  req: IncomingMessage, res: ServerResponse, plural: string, namespace: string | undefined, rawId: string, stores: ProxyStores, kubelet: KubeletClientConfig,
): Promise<void> {
  const id = parseProxyId(rawId);
  const target = requestPath(req.url ?? "/", plural);
  let location: string;
  let scheme = id.scheme;
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !["authorization", "host", "connection", "upgrade"].includes(k) && !k.startsWith(":")) headers[k] = v;
  if (plural === "pods") location = await podLocation(stores, namespace!, id);
  else if (plural === "services") location = await serviceLocation(stores, namespace!, id);
  else {
    const agent = await kubeletEndpoint(stores.nodes, id.name, "proxy");
    location = `${agent.host}:${id.port || agent.port}`;
    scheme = "https";
    Object.assign(headers, kubeletAuthorization(kubelet));
  }
  const redirect = rootRedirect(req.url ?? "/", plural, req.method ?? "GET");
  if (redirect) return void res.writeHead(301, { Location: redirect, "Content-Length": 0 }).end();
  const [host, port] = [location.slice(0, location.lastIndexOf(":")), Number(location.slice(location.lastIndexOf(":") + 1))];
  const abort = new AbortController();
  res.on("close", () => abort.abort());
  await new Promise<void>((resolve, reject) => {
    const send = scheme === "https" ? httpsRequest : httpRequest;
    const upstream = send({ host, port, path: target, method: req.method, headers, ...(scheme === "https" && plural === "nodes" ? kubeletTls(kubelet, id.name) : { rejectUnauthorized: false }), signal: abort.signal, timeout: 30_000 }, (answer) => {
      const out: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(answer.headers)) if (v !== undefined && !["connection", "keep-alive", "transfer-encoding"].includes(k)) out[k] = v;
      res.writeHead(answer.statusCode ?? 502, out);
      answer.pipe(res);
      answer.once("end", () => resolve());
      answer.once("error", () => {
        res.destroy();
        resolve();
      });
    });
    upstream.once("timeout", () => upstream.destroy(new Error("i/o timeout")));
    upstream.once("error", (err) => {
      if (abort.signal.aborted) return resolve();
      reject(new StatusError(503, "ServiceUnavailable", `error trying to reach service: dial tcp ${location}: ${err.message}`));
    });
    req.pipe(upstream);
  });
}

/** The path after `{plural}/{id}/proxy` in the request target, with its query: `/` when there is none. */
export function requestPath(url: string, plural: string): string {
  const q = url.indexOf("?");
  const pathname = q < 0 ? url : url.slice(0, q);
  const m = new RegExp(`/${plural}/[^/]+/proxy(/.*)?$`).exec(pathname);
  return `${m?.[1] ?? "/"}${q < 0 ? "" : url.slice(q)}`;
}

/**
 * A GET or HEAD of `{plural}/{id}/proxy` with nothing after it is redirected (301) to `…/proxy/`, so
 * relative links in the page resolve, as upstream's proxyRedirectsforRootPath does; undefined otherwise.
 */
export function rootRedirect(url: string, plural: string, method: string): string | undefined {
  if (method !== "GET" && method !== "HEAD") return undefined;
  const q = url.indexOf("?");
  const pathname = q < 0 ? url : url.slice(0, q);
  if (!new RegExp(`/${plural}/[^/]+/proxy$`).test(pathname)) return undefined;
  return `${pathname}/${q < 0 ? "" : url.slice(q)}`;
}
