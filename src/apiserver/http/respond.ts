import type { ServerResponse } from "node:http";
import { StatusError, type Status } from "../../api/errors.js";
import { EtcdUnavailableError } from "../../store/etcd/client.js";

export function sendJson(res: ServerResponse, code: number, body: unknown, contentType = "application/json"): void {
  sendRawJson(res, code, JSON.stringify(body), contentType);
}

export function sendRawJson(res: ServerResponse, code: number, text: string | Buffer, contentType = "application/json"): void {
  res.writeHead(code, { "Content-Type": contentType, "Content-Length": Buffer.byteLength(text), "Cache-Control": "no-cache, private" });
  res.end(text);
}

/** Any error becomes a Status; what isn't a StatusError is a bug, reported as 500 without detail leaking. */
export function toStatusError(err: unknown): StatusError {
  if (err instanceof StatusError) return err;
  // kube-apiserver's answer when etcd has no quorum: a 500 whose message is etcd's client's ("etcdserver:
  // request timed out"), without a reason (kubectl: "Error from server: etcdserver: request timed out").
  if (err instanceof EtcdUnavailableError) return new StatusError(500, "", err.message);
  return new StatusError(500, "InternalError", `Internal error occurred: ${err instanceof Error ? err.message : String(err)}`);
}

export function sendError(res: ServerResponse, err: unknown): Status {
  const status = toStatusError(err).toStatus();
  if (!res.headersSent) sendJson(res, status.code, status);
  else res.end();
  return status;
}
