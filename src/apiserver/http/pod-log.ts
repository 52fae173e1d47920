import { kubeletAuthorization, kubeletTls, type KubeletClientConfig } from "./kubelet-client.js";
import type { IncomingMessage, ServerResponse } from "node:http";
import { request } from "node:https";
import { badRequest, StatusError } from "../../api/errors.js";
import type { KubeObject } from "../../api/types.js";
import type { RestStore } from "../registry/rest.js";
import { acceptLogWebSocket, logProtocol, type LogSink } from "./log-websocket.js";
import { upgradeOf } from "./upgrade.js";

interface PodShape {
  spec?: { nodeName?: string; containers?: Array<{ name: string }>; initContainers?: Array<{ name: string }>; ephemeralContainers?: Array<{ name: string }> };
}

interface NodeShape {
  status?: { addresses?: Array<{ type: string; address: string }>; daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } };
}

const PASSED = ["follow", "previous", "tailLines", "sinceSeconds", "sinceTime", "timestamps", "limitBytes"];

/** Which container a log request means: the named one, or the pod's only container (upstream's LogLocation). */
export function logContainer(pod: KubeObject, requested: string | null): string {
  const spec = (pod as PodShape).spec ?? {};
  const name = pod.metadata.name;
  const containers = (spec.containers ?? []).map((c) => c.name);
  const init = (spec.initContainers ?? []).map((c) => c.name);
  const ephemeral = (spec.ephemeralContainers ?? []).map((c) => c.name);
  if (!requested) {
    if (containers.length === 1) return containers[0] as string;
    let message = `a container name must be specified for pod ${name}, choose one of: [${containers.join(" ")}]`;
    if (init.length) message += ` or one of the init containers: [${init.join(" ")}]`;
    if (ephemeral.length) message += ` or one of the ephemeral containers: [${ephemeral.join(" ")}]`;
    throw badRequest(message);
  }
  if (![...containers, ...init, ...ephemeral].includes(requested)) throw badRequest(`container ${requested} is not valid for pod ${name}`);
  return requested;
}

/**
 * GET pods/{name}/log (also read over a WebSocket, log-websocket.ts): validates the container, then streams the node agent's
 * /containerLogs/{namespace}/{pod}/{container} back, as the kube-apiserver proxies to the kubelet. The
 * agent's 400/404 bodies become Status errors with its words.
 */
export async function streamPodLog(
  req: IncomingMessage, res: ServerResponse, params: URLSearchParams, pods: RestStore, nodes: RestStore, namespace: string, name: string, kubelet: KubeletClientConfig,
): Promise<void> {
  const pod = await pods.get(namespace, name);
  const container = logContainer(pod, params.get("container"));
  const upgrade = upgradeOf(req);
  const websocket = upgrade && (req.headers.upgrade ?? "").toLowerCase() === "websocket" ? logProtocol(req) : undefined;
  const nodeName = (pod as PodShape).spec?.nodeName;
  if (!nodeName) {
    if (websocket !== undefined) return (await acceptLogWebSocket(req, upgrade!, websocket)).end();
    res.writeHead(200, { "Content-Type": "text/plain" }).end();
    return;
  }
  const node = (await nodes.get(undefined, nodeName)) as KubeObject & NodeShape;
  const address = node.status?.addresses?.find((a) => a.type === "InternalIP")?.address;
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  if (!address || !port) throw badRequest(`node "${nodeName}" has no node agent serving logs (it is a simulated node)`);
  const query = new URLSearchParams();
  for (const k of PASSED) {
    const v = params.get(k);
    if (v !== null) query.set(k, v);
  }
  const path = `/containerLogs/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/${encodeURIComponent(container)}?${query}`;
  const abort = new AbortController();
  const sinkFor = async (): Promise<LogSink> => {
    if (websocket !== undefined) return acceptLogWebSocket(req, upgrade!, websocket);
    res.writeHead(200, { "Content-Type": "text/plain", "Cache-Control": "no-cache" });
    res.flushHeaders();
    return { write: (chunk) => res.write(chunk), end: () => res.end(), onClose: (l) => void res.on("close", l) };
  };
  if (websocket === undefined) req.on("close", () => abort.abort());
  res.on("close", () => abort.abort());
  await new Promise<void>((resolve, reject) => {
    const upstream = request({
      host: address, port, path, method: "GET", ...kubeletTls(kubelet, nodeName), signal: abort.signal, headers: kubeletAuthorization(kubelet),
    }, (agentRes) => {
      const code = agentRes.statusCode ?? 502;
      if (code < 200 || code > 206) {
        let text = "";
        agentRes.setEncoding("utf8").on("data", (c: string) => (text += c)).on("end", () => {
          const message = text.trim();
          if (code === 400) reject(badRequest(message));
          else if (code === 404) reject(new StatusError(404, "NotFound", message));
          else reject(new StatusError(503, "ServiceUnavailable", `the node agent on ${nodeName} answered ${code}: ${message}`));
        });
        return;
      }
      void sinkFor().then((sink) => {
        sink.onClose(() => abort.abort());
        agentRes.on("data", (chunk: Buffer) => sink.write(chunk));
        agentRes.on("end", () => {
          sink.end();
          resolve();
        });
        agentRes.on("error", () => {
          sink.end();
          resolve();
        });
      });
    });
    upstream.on("error", (err: NodeJS.ErrnoException) => {
      if (abort.signal.aborted) return resolve();
      reject(new StatusError(503, "ServiceUnavailable", `Get "https://${address}:${port}${path}": ${err.message}`));
    });
    upstream.end();
  });
}
