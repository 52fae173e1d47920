import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { fileURLToPath } from "node:url";
import { StatusError } from "../../api/errors.js";
import { sendJson } from "../http/respond.js";
import type { ResourceInfo } from "../resource.js";
import { groupVersionDocument, type SchemaMap } from "./document.js";
import { encodeSwaggerProtobuf, swaggerV2 } from "./v2.js";



/** Where the build writes the schemas of the vendored 1.32 OpenAPI (scripts/gen-openapi.mjs). */
const SCHEMAS_FILE = fileURLToPath(new URL("../../../openapi-schemas.json", import.meta.url));

/**
 * Serves OpenAPI v3 as kube-apiserver does: `/openapi/v3` lists one document per group-version with a
 * content hash, and `/openapi/v3/apis/apps/v1` is that document (kubectl explain, apply and edit use it).
 */
export class OpenApi {
  private cachedSchemas: SchemaMap | undefined;
  private readonly documents = new Map<string, { body: string; hash: string }>();

  constructor(private readonly resources: ResourceInfo[]) {}

  /** The generated schemas, read once. */
  schemas(): SchemaMap {
    if (!this.cachedSchemas) this.cachedSchemas = existsSync(SCHEMAS_FILE) ? (JSON.parse(readFileSync(SCHEMAS_FILE, "utf8")) as SchemaMap) : {};
    return this.cachedSchemas;
  }

  private document(gvPath: string): { body: string; hash: string } | undefined {
    const cached = this.documents.get(gvPath);
    if (cached) return cached;
    const [root, ...rest] = gvPath.split("/");
    const group = root === "api" ? "" : rest[0]!;
    const version = root === "api" ? rest[0] : rest[1];
    const resources = this.resources.filter((r) => r.group === group && r.version === version);
    if (resources.length === 0) return undefined;
    const body = JSON.stringify(groupVersionDocument(group, version!, resources, this.schemas()));
    const doc = { body, hash: createHash("sha512").update(body).digest("hex").slice(0, 128).toUpperCase() };
    this.documents.set(gvPath, doc);
    return doc;
  }

  private v2: { json: string; protobuf: Uint8Array } | undefined;

  private swagger(): { json: string; protobuf: Uint8Array } {
    if (!this.v2) {
      const doc = swaggerV2(this.schemas(), this.resources);
      this.v2 = { json: JSON.stringify(doc), protobuf: encodeSwaggerProtobuf(doc) };
    }
    return this.v2;
  }

  serve(req: IncomingMessage, res: ServerResponse, path: string): void {
    if (path === "/openapi/v2") {
      const v2 = this.swagger();
      if ((req.headers.accept ?? "").includes("protobuf")) {
        res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": v2.protobuf.length });
        return void res.end(v2.protobuf);
      }
      res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(v2.json) });
      return void res.end(v2.json);
    }
    if (path === "/openapi/v3") {
      const paths: Record<string, { serverRelativeURL: string }> = {};
      const gvs = new Set(this.resources.map((r) => (r.group ? `apis/${r.group}/${r.version}` : `api/${r.version}`)));
      for (const gv of gvs) paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=${this.document(gv)!.hash}` };
      return sendJson(res, 200, { paths });
    }
    if (path.startsWith("/openapi/v3/")) {
      const doc = this.document(path.slice("/openapi/v3/".length));
      if (doc) {
        res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(doc.body), "Cache-Control": "public, immutable", Etag: `"${doc.hash}"` });
        return void res.end(doc.body);
      }
    }
    throw new StatusError(404, "NotFound", "the server could not find the requested resource");
  }
}
