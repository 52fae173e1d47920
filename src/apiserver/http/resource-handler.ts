import type { KubeletClientConfig } from "./kubelet-client.js";
import type { IncomingMessage, ServerResponse } from "node:http";
import { badRequest, methodNotAllowed, notFound, StatusError } from "../../api/errors.js";
import { applyJsonPatch } from "../../api/patch/json-patch.js";
import { applyMergePatch } from "../../api/patch/merge-patch.js";
import { applyStrategicMergePatch } from "../../api/patch/strategic-merge.js";
import { queryBool } from "../../api/query.js";
import { isPlainObject, type KubeObject } from "../../api/types.js";
import { apiVersionOf } from "../resource.js";
import { deleteObject, type DeleteOptions } from "../registry/delete.js";
import { updateEphemeralContainers } from "../registry/ephemeral-containers.js";
import { evictPod } from "../registry/eviction.js";
import { parseListQuery } from "../registry/list-options.js";
import type { Clock, RestStore } from "../registry/rest.js";
import { watchLine, watchResource, type WatchEvent } from "../registry/watch.js";
import { decodeBody, decodeBodyStrict, readBody } from "./body.js";
import { APPLY_PATCH, fieldManagerOf, validateWriteOptions } from "./field-manager.js";
import { connectTarget } from "./connect.js";
import { proxyPodStream } from "./pod-stream.js";
import { proxyHttp, type ProxyStores } from "./proxy.js";
import { PROTOBUF, prefersProtobuf, protobufBody } from "./protobuf-response.js";
import { streamPodLog } from "./pod-log.js";
import { sendJson, sendRawJson } from "./respond.js";
import type { ResourceRoute } from "./route.js";
import { warningHeaders } from "./warning.js";
import { bindPod, scaleConfiguration, toScale, updateScale } from "./subresources.js";
import { tableApiVersion, toTable, wantsTable, type IncludeObject } from "./table.js";

export interface HandlerContext {
  rest: (route: ResourceRoute) => RestStore;
  pods: RestStore;
  nodes: RestStore;
  /** The stores pods/, services/ and nodes/ proxy read. */
  proxyStores: () => ProxyStores;
  /** How node agents are reached for pods/log, exec & co. and nodes/proxy. */
  kubelet: KubeletClientConfig;
  clock: Clock;
  /** Ends open watches when the server stops. */
  shutdown: AbortSignal;
}

const PATCH_TYPES = ["application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json", APPLY_PATCH];

/** Serves one request on a resource route: verbs, subresources, tables and watches. */
export async function handleResource(req: IncomingMessage, res: ServerResponse, params: URLSearchParams, route: ResourceRoute, ctx: HandlerContext): Promise<void> {
  const rest = ctx.rest(route);
  const dryRun = params.getAll("dryRun").includes("All");
  const warnings: string[] = [];
  const fieldValidation = (params.get("fieldValidation") ?? "Warn") as "Strict" | "Warn" | "Ignore";
  if (!["Strict", "Warn", "Ignore"].includes(fieldValidation)) throw badRequest(`fieldValidation: Unsupported value: "${fieldValidation}": supported values: "Ignore", "Strict", "Warn"`);
  const manager = fieldManagerOf(params, req.headers);
  const write = { dryRun, fieldValidation, warnings, fieldManager: { manager } };
  /** Sets the Warning headers; true when it did. */
  const warn = (): boolean => {
    if (warnings.length === 0) return false;
    try {
      res.setHeader("Warning", warningHeaders(warnings));
      return true;
    } catch {
      // The write is done: a warning that can't be sent is dropped, it never turns success into a 500.
      return false;
    }
  };
  const { namespace, name, subresource } = route;
  const ns = route.resource.namespaced ? namespace : undefined;
  if (route.resource.namespaced && name !== undefined && !namespace) throw notFound(rest.qualified, name);
  const connect = connectTarget(route);
  if (connect) {
    if (connect.subresource === "proxy") return proxyHttp(req, res, route.resource.plural, ns, name!, ctx.proxyStores(), ctx.kubelet);
    return proxyPodStream(req, params, ctx.pods, ctx.nodes, namespace!, connect.name, connect.subresource, ctx.kubelet);
  }
  if (subresource && !route.resource.subresources.includes(subresource as never)) throw notFound(rest.qualified, name ?? "");
  // Create-only reviews and serviceaccounts/token are answered before the store is reached, when served at all.
  if (route.resource.verbs || subresource === "token") throw methodNotAllowed("the server does not allow this method on the requested resource");
  // namespaces/finalize only takes a whole object (upstream's FinalizeREST is an Updater only).
  if (subresource === "finalize" && req.method !== "PUT") throw methodNotAllowed("the server does not allow this method on the requested resource");
  const accept = req.headers.accept;
  const respond = (code: number, obj: KubeObject) => {
    const protobuf = !wantsTable(accept) && prefersProtobuf(accept) ? protobufBody(obj) : undefined;
    if (protobuf) {
      warn();
      return sendRawJson(res, code, protobuf, PROTOBUF);
    }
    const text = wantsTable(accept) && !subresource
      ? JSON.stringify(toTable(route.resource, [obj], { resourceVersion: obj.metadata.resourceVersion }, tableOptions(accept, params, ctx)))
      : rest.jsonOf(obj);
    // Node sends a string body together with the head, both encoded as UTF-8; warnings carry their UTF-8
    // bytes as Latin-1 characters, which only a Buffer body leaves as they are.
    sendRawJson(res, code, warn() ? Buffer.from(text) : text);
  };
  const body = async () => decodeBody(await readBody(req), req.headers["content-type"]);
  /** A create's or update's body, with its duplicate fields unless they are to be ignored. */
  const objectBody = async () => decodeBodyStrict(await readBody(req), req.headers["content-type"], fieldValidation !== "Ignore");

  switch (req.method) {
    case "GET": {
      if (name === undefined || route.watchPath) {
        const q = parseListQuery(params, ["metadata.name", "metadata.namespace", ...(route.resource.fields ?? [])], route.watchPath);
        if (name !== undefined) q.fields.push({ field: "metadata.name", operator: "=", value: name });
        if (q.watch) {
          return streamWatch(req, res, rest, ns, q, params, ctx);
        }
        if (!wantsTable(accept)) return sendRawJson(res, 200, await rest.listJson(ns, q));
        const list = await rest.list(ns, q);
        return sendJson(res, 200, toTable(route.resource, list.items, list.metadata, tableOptions(accept, params, ctx)));
      }
      if (subresource === "log") return streamPodLog(req, res, params, ctx.pods, ctx.nodes, namespace!, name, ctx.kubelet);
      const obj = await rest.get(ns, name);
      if (subresource === "scale") return sendJson(res, 200, toScale(obj));
      return respond(200, obj);
    }
    case "POST": {
      if (name === undefined) {
        validateWriteOptions("CreateOptions", params, false);
        const { value, strict } = await objectBody();
        return respond(201, await rest.create(ns, value as KubeObject, { ...write, bodyErrors: strict }));
      }
      if (subresource === "binding") {
        await bindPod(ctx.pods, namespace!, name, await body(), ctx.clock.now());
        return sendJson(res, 201, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 });
      }
      if (subresource === "eviction") {
        const eviction = (await body()) as { deleteOptions?: DeleteOptions };
        await evictPod(rest, ns, name, { ...(eviction?.deleteOptions ?? {}), dryRun }, ctx.clock);
        return sendJson(res, 201, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 });
      }
      throw methodNotAllowed(`the server does not allow this method on the requested resource`);
    }
    case "PUT": {
      if (name === undefined) throw methodNotAllowed("the server does not allow this method on the requested resource");
      validateWriteOptions("UpdateOptions", params, false);
      const { value: input, strict } = await objectBody();
      if (subresource === "scale") return sendJson(res, 200, await updateScale(rest, ns, name, () => input as KubeObject, dryRun, manager));
      if (subresource === "ephemeralcontainers") return respond(200, await updateEphemeralContainers(rest, namespace!, name, () => input, write));
      if (!isPlainObject(input)) throw badRequest("the body of the request must be a JSON object");
      const sub = subresource === "status" || subresource === "finalize" || subresource === "approval" ? subresource : "";
      return respond(200, await rest.update(ns, name, input as KubeObject, { ...write, subresource: sub, bodyErrors: strict }));
    }
    case "PATCH": {
      if (name === undefined) throw methodNotAllowed("the server does not allow this method on the requested resource");
      const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim();
      if (!PATCH_TYPES.includes(type)) {
        throw new StatusError(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.join(", ")}`);
      }
      const force = validateWriteOptions("PatchOptions", params, type === APPLY_PATCH);
      if (type === APPLY_PATCH) {
        if (subresource && subresource !== "status" && subresource !== "scale") throw new StatusError(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.slice(0, 3).join(", ")}`);
        // YAML is a superset of JSON: a JSON body (what client libraries send) is read by the faster JSON decoder.
        const raw = await readBody(req);
        const { value, strict } = decodeApplyBody(raw, fieldValidation !== "Ignore");
        if (!isPlainObject(value)) throw badRequest("the body of an apply patch must be an object");
        if (subresource === "scale") {
          const { obj } = await rest.apply(ns, name, scaleConfiguration(rest, name, value), { ...write, manager, force, subresource: "scale" });
          return sendJson(res, 200, toScale(obj));
        }
        const sub = subresource === "status" ? "status" : "";
        const { obj, created } = await rest.apply(ns, name, value as KubeObject, { ...write, bodyErrors: strict, manager, force, subresource: sub });
        return respond(created ? 201 : 200, obj);
      }
      const patch = decodeBody(await readBody(req), "application/json");
      const apply = (target: unknown) => {
        if (type === "application/json-patch+json") return applyJsonPatch(target, patch);
        if (type === "application/merge-patch+json") return applyMergePatch(target, patch);
        return applyStrategicMergePatch(target, patch, subresource === "scale" ? undefined : rest.mergeType);
      };
      if (subresource === "scale") return sendJson(res, 200, await updateScale(rest, ns, name, (scale) => apply(scale) as KubeObject, dryRun, manager));
      if (subresource === "ephemeralcontainers") return respond(200, await updateEphemeralContainers(rest, namespace!, name, apply, write));
      const sub = subresource === "status" || subresource === "approval" ? subresource : "";
      const patched = await rest.guaranteedUpdate(ns, name, { ...write, subresource: sub }, (current) => {
        const next = apply(current) as KubeObject;
        if (!isPlainObject(next) || !isPlainObject(next.metadata)) throw badRequest("the patch produced an object without metadata");
        return next;
      });
      return respond(200, patched);
    }
    case "DELETE": {
      // client-go's typed clients (Helm's uninstall among them) send DeleteOptions in protobuf.
      const raw = await readBody(req);
      const fromBody = raw.length > 0 ? (decodeBody(raw, req.headers["content-type"]) as DeleteOptions) : {};
      if (!isPlainObject(fromBody)) throw badRequest("the body of a delete must be a DeleteOptions object");
      const opts: DeleteOptions = { ...fromBody, dryRun: dryRun || (fromBody as { dryRun?: string[] }).dryRun?.includes?.("All") === true };
      if (params.has("gracePeriodSeconds")) opts.gracePeriodSeconds = Number(params.get("gracePeriodSeconds"));
      if (params.has("propagationPolicy")) opts.propagationPolicy = params.get("propagationPolicy")!;
      if (params.has("orphanDependents")) opts.orphanDependents = queryBool(params, "orphanDependents");
      if (opts.propagationPolicy && !["Orphan", "Background", "Foreground"].includes(opts.propagationPolicy)) {
        throw new StatusError(422, "Invalid", `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${opts.propagationPolicy}": supported values: "Foreground", "Background", "Orphan", "nil"`);
      }
      if (name !== undefined) return sendJson(res, 200, await deleteObject(rest, ns, name, opts, ctx.clock));
      const q = parseListQuery(params, ["metadata.name", "metadata.namespace", ...(route.resource.fields ?? [])]);
      const list = await rest.list(ns, { ...q, limit: 0, continueToken: undefined });
      for (const obj of list.items) {
        try {
          await deleteObject(rest, obj.metadata.namespace, obj.metadata.name!, opts, ctx.clock);
        } catch (err) {
          if (!(err instanceof StatusError && err.code === 404)) throw err;
        }
      }
      return sendJson(res, 200, list);
    }
    default:
      throw methodNotAllowed(`the server does not allow this method on the requested resource`);
  }
}

/** An apply body: YAML, read by the faster JSON decoder when it is JSON (what client libraries send); a flow mapping that isn't JSON is YAML after all. */
function decodeApplyBody(body: Buffer, duplicates: boolean): ReturnType<typeof decodeBodyStrict> {
  const start = body.findIndex((byte) => byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09);
  if (start >= 0 && body[start] === 0x7b) {
    try {
      return decodeBodyStrict(body, "application/json", duplicates);
    } catch {
      // not JSON: read as YAML below
    }
  }
  return decodeBodyStrict(body, "application/yaml", duplicates);
}

function tableOptions(accept: string | undefined, params: URLSearchParams, ctx: HandlerContext) {
  const include = (params.get("includeObject") ?? "Metadata") as IncludeObject;
  return { include, apiVersion: tableApiVersion(accept), now: ctx.clock.now() };
}

async function streamWatch(req: IncomingMessage, res: ServerResponse, rest: RestStore, ns: string | undefined, q: ReturnType<typeof parseListQuery>, params: URLSearchParams, ctx: HandlerContext): Promise<void> {
  const abort = new AbortController();
  const stop = () => abort.abort();
  req.on("close", stop);
  ctx.shutdown.addEventListener("abort", stop, { once: true });
  const timeoutSeconds = Number(params.get("timeoutSeconds") ?? 1800 + Math.floor(Math.random() * 1800));
  const timer = setTimeout(stop, Math.max(0, timeoutSeconds) * 1000);
  const accept = req.headers.accept;
  const asTable = wantsTable(accept);
  let sentColumns = false;
  // No length: HTTP/1.1 sends it chunked, HTTP/2 as data frames (where a Transfer-Encoding header is an error).
  res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-cache, private" });
  res.flushHeaders();
  // The lines of one store commit (it publishes its writes' events together) go out as one write: one
  // chunk, one TLS record. A microtask, not setImmediate: delivery waits for no I/O (a turn later, the
  // controllers downstream saw changes late enough to slow a 10,000-pod scale-up by a third).
  let pending: string[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const chunk = pending.length === 1 ? pending[0]! : pending.join("");
    pending = [];
    if (!res.writableEnded) res.write(chunk);
  };
  const write = (line: string) => {
    if (pending.push(line) === 1) queueMicrotask(flush);
  };
  const send = (event: WatchEvent) => {
    if (abort.signal.aborted) return;
    if (asTable && event.type !== "ERROR" && event.type !== "BOOKMARK") {
      const obj = event.object as KubeObject;
      const object = toTable(rest.info, [obj], { resourceVersion: obj.metadata.resourceVersion }, { ...tableOptions(accept, params, ctx), noHeaders: sentColumns });
      sentColumns = true;
      write(JSON.stringify({ type: event.type, object }) + "\n");
    } else {
      write(watchLine(event));
    }
    if (event.type === "ERROR") stop();
  };
  let bookmarks: NodeJS.Timeout | undefined;
  if (q.allowWatchBookmarks) {
    bookmarks = setInterval(async () => {
      const rv = String(await rest.store.revision());
      send({ type: "BOOKMARK", object: { apiVersion: apiVersionOf(rest.info), kind: rest.info.kind, metadata: { resourceVersion: rv } } });
    }, 60_000);
  }
  abort.signal.addEventListener("abort", () => {
    clearTimeout(timer);
    if (bookmarks) clearInterval(bookmarks);
    ctx.shutdown.removeEventListener("abort", stop);
    flush();
    res.end();
  }, { once: true });
  await watchResource(rest, ns, q, send, abort.signal);
}
