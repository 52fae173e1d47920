import { kubeletAuthorization, kubeletTls, type KubeletClientConfig } from "./kubelet-client.js";
import type { IncomingMessage } from "node:http";
import { connect as tlsConnect } from "node:tls";
import { badRequest, StatusError } from "../../api/errors.js";
import type { KubeObject } from "../../api/types.js";
import type { RestStore } from "../registry/rest.js";
import { logContainer } from "./pod-log.js";
import { upgradeOf } from "./upgrade.js";

interface PodShape {
  spec?: { nodeName?: string };
}

interface NodeShape {
  status?: { addresses?: Array<{ type: string; address: string }>; daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } };
}

/** Options passed on to the node agent, per subresource (upstream's ExecLocation, AttachLocation, PortForwardLocation). */
const PASSED: Record<string, string[]> = {
  exec: ["command", "stdin", "stdout", "stderr", "tty"],
  attach: ["stdin", "stdout", "stderr", "tty"],
  portforward: ["ports"],
};

/** Where a node's agent serves (the kubelet endpoint in the Node's status); a simulated node has none. */
export async function kubeletEndpoint(nodes: RestStore, nodeName: string, what: string): Promise<{ host: string; port: number }> {
  const node = (await nodes.get(undefined, nodeName)) as KubeObject & NodeShape;
  const host = node.status?.addresses?.find((a) => a.type === "InternalIP")?.address;
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  if (!host || !port) throw badRequest(`node "${nodeName}" is simulated: ${what} is not available`);
  return { host, port };
}

/**
 * pods/{name}/exec, /attach and /portforward: checks the pod and container as upstream does (404 for a
 * missing pod, 400 for a container that isn't the pod's or a pod with no node), then hands the upgrade
 * request to the pod's node agent (/exec/{ns}/{pod}/{container}, /attach/…, /portForward/{ns}/{pod}),
 * authenticated with the API server's token, and splices the two connections: the agent negotiates the
 * protocol (SPDY or WebSocket) and answers errors itself, as kube-apiserver's upgrade-aware proxy lets
 * the kubelet do.
 */
export async function proxyPodStream(
  req: IncomingMessage, params: URLSearchParams, pods: RestStore, nodes: RestStore, namespace: string, name: string, subresource: string, kubelet: KubeletClientConfig,
): Promise<void> {
  const pod = await pods.get(namespace, name);
  const upgrade = upgradeOf(req);
  if (!upgrade) throw badRequest("Upgrade request required");
  const container = subresource === "portforward" ? undefined : logContainer(pod, params.get("container"));
  const nodeName = (pod as PodShape).spec?.nodeName;
  if (!nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
  const { host, port } = await kubeletEndpoint(nodes, nodeName, subresource === "portforward" ? "port-forward" : subresource);
  const query = new URLSearchParams();
  for (const k of PASSED[subresource] ?? []) for (const v of params.getAll(k)) query.append(k, v);
  const path = subresource === "portforward"
    ? `/portForward/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`
    : `/${subresource}/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/${encodeURIComponent(container!)}`;
  const lines = [`${req.method ?? "GET"} ${path}${query.size ? `?${query}` : ""} HTTP/1.1`, `Host: ${host}:${port}`];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const key = req.rawHeaders[i]!;
    if (!["host", "authorization", "content-length", "transfer-encoding"].includes(key.toLowerCase())) lines.push(`${key}: ${req.rawHeaders[i + 1]}`);
  }
  for (const [k, v] of Object.entries(kubeletAuthorization(kubelet))) lines.push(`${k}: ${v}`);
  const client = upgrade.socket;
  await new Promise<void>((resolve, reject) => {
    const agent = tlsConnect({ host, port, ...kubeletTls(kubelet, nodeName), ALPNProtocols: ["http/1.1"] });
    agent.setNoDelay(true);
    let connected = false;
    agent.once("secureConnect", () => {
      connected = true;
      agent.write(`${lines.join("\r\n")}\r\n\r\n`);
      if (upgrade.head.length) agent.write(upgrade.head);
      agent.pipe(client);
      client.pipe(agent);
      agent.once("close", () => client.destroy());
      resolve();
    });
    agent.once("error", (err) => {
      if (connected) return void client.destroy();
      // Not connected: the client still waits for an answer, a Status it can show (upstream's
      // "error dialing backend"), written by the caller on the still-open connection.
      reject(new StatusError(503, "ServiceUnavailable", `error dialing backend: dial tcp ${host}:${port}: ${err.message}`));
    });
    client.once("close", () => agent.destroy());
  });
}
