import type { KubeObject } from "../../api/types.js";
import type { ResourceInfo } from "../resource.js";

export type IncludeObject = "None" | "Metadata" | "Object";

/** The Accept header asks for a meta.k8s.io Table (kubectl get does). */
export function wantsTable(accept: string | undefined): boolean {
  return !!accept && /as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept);
}

export function tableApiVersion(accept: string | undefined): string {
  const first = (accept ?? "").split(",").find((a) => a.includes("as=Table")) ?? "";
  return /v=v1beta1/.test(first) ? "meta.k8s.io/v1beta1" : "meta.k8s.io/v1";
}

function rowObject(obj: KubeObject, include: IncludeObject, apiVersion: string): unknown {
  if (include === "None") return undefined;
  if (include === "Object") return obj;
  return { kind: "PartialObjectMetadata", apiVersion, metadata: obj.metadata };
}

export function toTable(resource: ResourceInfo, items: KubeObject[], listMeta: Record<string, unknown>, opts: { include: IncludeObject; apiVersion: string; now: number; noHeaders?: boolean }): unknown {
  const columns = resource.table.columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? "", description: c.description ?? "", priority: c.priority ?? 0 }));
  return {
    kind: "Table",
    apiVersion: opts.apiVersion,
    metadata: listMeta,
    columnDefinitions: opts.noHeaders ? undefined : columns,
    rows: items.map((obj) => ({ cells: resource.table.cells(obj, { now: opts.now }), object: rowObject(obj, opts.include, opts.apiVersion) })),
  };
}
