import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { connect } from "node:net";
import type { Container, ExecAction, GRPCAction, HTTPGetAction, TCPSocketAction } from "kubernetes-types/core/v1.js";
import type { Runtime } from "../runtime/runtime.js";
import { grpcProbe } from "./grpc-probe.js";

export interface ProbeResult {
  ok: boolean;
  /** Why it failed, worded as the kubelet's events word it. */
  output: string;
}

/** The container's port number for an int-or-name port (names resolved through the container's ports). */
export function resolvePort(port: number | string | undefined, container: Container): number | undefined {
  if (typeof port === "number") return port;
  if (port === undefined) return undefined;
  if (/^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

function errnoText(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case "ECONNREFUSED": return "connect: connection refused";
    case "EHOSTUNREACH": return "connect: no route to host";
    case "ENETUNREACH": return "connect: network is unreachable";
    case "ECONNRESET": return "read: connection reset by peer";
    default: return err.message;
  }
}

export function httpGet(action: HTTPGetAction, host: string, container: Container, timeoutMs: number): Promise<ProbeResult> {
  const port = resolvePort(action.port as number | string, container);
  const scheme = (action.scheme ?? "HTTP").toLowerCase();
  const target = action.host || host;
  const path = action.path ? (action.path.startsWith("/") ? action.path : `/${action.path}`) : "/";
  const url = `${scheme}://${target}:${port}${path}`;
  if (port === undefined) return Promise.resolve({ ok: false, output: `unable to resolve port "${String(action.port)}"` });
  const headers: Record<string, string> = { "User-Agent": "kube-probe/1.32", Accept: "*/*" };
  for (const h of action.httpHeaders ?? []) headers[h.name] = h.value;
  const send = scheme === "https" ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const req = send({ host: target, port, path, method: "GET", headers, timeout: timeoutMs, rejectUnauthorized: false, agent: false }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      resolve(code >= 200 && code < 400 ? { ok: true, output: "" } : { ok: false, output: `HTTP probe failed with statuscode: ${code}` });
    });
    req.on("timeout", () => {
      req.destroy();
      resolve({ ok: false, output: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
    });
    req.on("error", (err: NodeJS.ErrnoException) => resolve({ ok: false, output: `Get "${url}": dial tcp ${target}:${port}: ${errnoText(err)}` }));
    req.end();
  });
}

export function tcpSocket(action: TCPSocketAction, host: string, container: Container, timeoutMs: number): Promise<ProbeResult> {
  const port = resolvePort(action.port as number | string, container);
  const target = action.host || host;
  if (port === undefined) return Promise.resolve({ ok: false, output: `unable to resolve port "${String(action.port)}"` });
  return new Promise((resolve) => {
    const socket = connect({ host: target, port, timeout: timeoutMs });
    socket.once("connect", () => {
      socket.destroy();
      resolve({ ok: true, output: "" });
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve({ ok: false, output: `dial tcp ${target}:${port}: i/o timeout` });
    });
    socket.once("error", (err: NodeJS.ErrnoException) => resolve({ ok: false, output: `dial tcp ${target}:${port}: ${errnoText(err)}` }));
  });
}

export async function execAction(action: ExecAction, runtime: Runtime, containerId: string, timeoutMs: number): Promise<ProbeResult> {
  try {
    const r = await runtime.exec(containerId, action.command ?? [], timeoutMs);
    if (r.exitCode === -1) return { ok: false, output: `command "${(action.command ?? []).join(" ")}" timed out` };
    return { ok: r.exitCode === 0, output: r.output.trimEnd() };
  } catch (err) {
    return { ok: false, output: err instanceof Error ? err.message : String(err) };
  }
}

/** Runs one probe or hook handler (exec, httpGet, tcpSocket or, for probes, grpc) against a container. */
export function runHandler(
  handler: { exec?: ExecAction; httpGet?: HTTPGetAction; tcpSocket?: TCPSocketAction; grpc?: GRPCAction },
  runtime: Runtime, containerId: string, host: string, container: Container, timeoutMs: number,
): Promise<ProbeResult> {
  if (handler.exec) return execAction(handler.exec, runtime, containerId, timeoutMs);
  if (handler.httpGet) return httpGet(handler.httpGet, host, container, timeoutMs);
  if (handler.tcpSocket) return tcpSocket(handler.tcpSocket, host, container, timeoutMs);
  if (handler.grpc) return grpcProbe(handler.grpc, host, timeoutMs);
  return Promise.resolve({ ok: false, output: "missing probe handler" });
}
