import type { TableConvertor } from "../resource.js";
import { age, ageColumn, arr, col, nameColumn, none, num, obj } from "./format.js";

const simple = (extra: TableConvertor["columns"], cells: TableConvertor["cells"]): TableConvertor => ({ columns: [nameColumn, ...extra], cells });

export const namespaceTable = simple([col("Status"), ageColumn], (ns, ctx) => [ns.metadata.name, obj(ns.status).phase ?? "Active", age(ns.metadata.creationTimestamp, ctx)]);

export const configMapTable = simple([col("Data", "integer"), ageColumn], (cm, ctx) =>
  [cm.metadata.name, Object.keys(obj(cm.data)).length + Object.keys(obj(cm.binaryData)).length, age(cm.metadata.creationTimestamp, ctx)]);

export const secretTable = simple([col("Type"), col("Data", "integer"), ageColumn], (s, ctx) =>
  [s.metadata.name, s.type ?? "Opaque", Object.keys(obj(s.data)).length, age(s.metadata.creationTimestamp, ctx)]);

export const serviceAccountTable = simple([col("Secrets", "string"), ageColumn], (sa, ctx) =>
  [sa.metadata.name, arr(sa.secrets).length, age(sa.metadata.creationTimestamp, ctx)]);

function servicePorts(spec: Record<string, unknown>): string {
  const ports = arr(spec.ports);
  if (ports.length === 0) return "<none>";
  return ports.map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ""}/${p.protocol ?? "TCP"}`).join(",");
}

export const serviceTable = simple([col("Type"), col("Cluster-IP"), col("External-IP"), col("Port(s)"), ageColumn, col("Selector", "string", 1)], (svc, ctx) => {
  const spec = obj(svc.spec);
  const type = String(spec.type ?? "ClusterIP");
  const ingress = arr(obj(obj(svc.status).loadBalancer).ingress).map((i) => i.ip ?? i.hostname);
  const external = arr(spec.externalIPs).map(String);
  let externalText = "<none>";
  if (type === "ExternalName") externalText = String(spec.externalName ?? "<none>");
  else if (type === "LoadBalancer") externalText = [...ingress, ...external].join(",") || "<pending>";
  else if (external.length) externalText = external.join(",");
  const selector = Object.entries(obj(spec.selector)).map(([k, v]) => `${k}=${v}`).join(",");
  return [svc.metadata.name, type, none(spec.clusterIP as string), externalText, servicePorts(spec), age(svc.metadata.creationTimestamp, ctx), none(selector)];
});

export const endpointsTable = simple([col("Endpoints"), ageColumn], (ep, ctx) => {
  const list: string[] = [];
  for (const subset of arr(ep.subsets)) {
    const ports = arr(subset.ports);
    for (const a of arr(subset.addresses)) {
      if (ports.length === 0) list.push(String(a.ip));
      for (const p of ports) list.push(`${a.ip}:${p.port}`);
    }
  }
  const text = list.length === 0 ? "<none>" : list.length > 3 ? `${list.slice(0, 3).join(",")} + ${list.length - 3} more...` : list.join(",");
  return [ep.metadata.name, text, age(ep.metadata.creationTimestamp, ctx)];
});

export const nodeTable = simple([col("Status"), col("Roles"), ageColumn, col("Version"), col("Internal-IP", "string", 1), col("External-IP", "string", 1),
  col("OS-Image", "string", 1), col("Kernel-Version", "string", 1), col("Container-Runtime", "string", 1)], (node, ctx) => {
  const status = obj(node.status);
  const ready = arr(status.conditions).find((c) => c.type === "Ready");
  const states = [!ready ? "Unknown" : ready.status === "True" ? "Ready" : "NotReady"];
  if (obj(node.spec).unschedulable) states.push("SchedulingDisabled");
  const roles = Object.keys(node.metadata.labels ?? {}).filter((k) => k.startsWith("node-role.kubernetes.io/")).map((k) => k.slice(24));
  const address = (type: string) => none(arr(status.addresses).find((a) => a.type === type)?.address as string);
  const info = obj(status.nodeInfo);
  return [node.metadata.name, states.join(","), roles.length ? roles.join(",") : "<none>", age(node.metadata.creationTimestamp, ctx),
    info.kubeletVersion ?? "", address("InternalIP"), address("ExternalIP"), none(info.osImage as string), none(info.kernelVersion as string),
    none(info.containerRuntimeVersion as string)];
});

export const eventTable: TableConvertor = {
  columns: [col("Last Seen"), col("Type"), col("Reason"), col("Object"), col("Subobject", "string", 1), col("Source", "string", 1),
    col("Message"), col("First Seen", "string", 1), col("Count", "integer", 1), col("Name", "string", 1)],
  cells(ev, ctx) {
    const involved = obj(ev.involvedObject);
    const source = obj(ev.source);
    const last = (ev.lastTimestamp ?? ev.eventTime ?? ev.metadata.creationTimestamp) as string | undefined;
    const first = (ev.firstTimestamp ?? ev.eventTime ?? ev.metadata.creationTimestamp) as string | undefined;
    const count = num(ev.count) || 1;
    const lastText = count > 1 ? `${age(last, ctx)} (x${count} over ${age(first, ctx)})` : age(last, ctx);
    return [lastText, ev.type ?? "", ev.reason ?? "", `${String(involved.kind ?? "").toLowerCase()}/${involved.name ?? ""}`,
      String(involved.fieldPath ?? ""), [source.component, source.host].filter(Boolean).join(", "), ev.message ?? "", age(first, ctx), count, ev.metadata.name];
  },
};

const accessModes = (modes: unknown) => arr(modes as unknown[]).map((m) => ({ ReadWriteOnce: "RWO", ReadOnlyMany: "ROX", ReadWriteMany: "RWX", ReadWriteOncePod: "RWOP" } as Record<string, string>)[String(m)] ?? String(m)).join(",");

export const persistentVolumeTable = simple([col("Capacity"), col("Access Modes"), col("Reclaim Policy"), col("Status"), col("Claim"), col("StorageClass"),
  col("VolumeAttributesClass"), col("Reason"), ageColumn, col("VolumeMode", "string", 1)], (pv, ctx) => {
  const spec = obj(pv.spec);
  const claim = obj(spec.claimRef);
  return [pv.metadata.name, obj(spec.capacity).storage ?? "", accessModes(spec.accessModes), spec.persistentVolumeReclaimPolicy ?? "",
    obj(pv.status).phase ?? "", claim.name ? `${claim.namespace}/${claim.name}` : "", spec.storageClassName ?? "", none(spec.volumeAttributesClassName as string),
    obj(pv.status).reason ?? "", age(pv.metadata.creationTimestamp, ctx), spec.volumeMode ?? "Filesystem"];
});

export const persistentVolumeClaimTable = simple([col("Status"), col("Volume"), col("Capacity"), col("Access Modes"), col("StorageClass"),
  col("VolumeAttributesClass"), ageColumn, col("VolumeMode", "string", 1)], (pvc, ctx) => {
  const spec = obj(pvc.spec);
  const status = obj(pvc.status);
  return [pvc.metadata.name, status.phase ?? "Pending", spec.volumeName ?? "", obj(status.capacity).storage ?? "", accessModes(status.accessModes),
    spec.storageClassName ?? "", none(spec.volumeAttributesClassName as string), age(pvc.metadata.creationTimestamp, ctx), spec.volumeMode ?? "Filesystem"];
});

export const storageClassTable = simple([col("Provisioner"), col("ReclaimPolicy"), col("VolumeBindingMode"), col("AllowVolumeExpansion"), ageColumn], (sc, ctx) => {
  const o = sc as Record<string, unknown>;
  const isDefault = sc.metadata.annotations?.["storageclass.kubernetes.io/is-default-class"] === "true";
  return [`${sc.metadata.name}${isDefault ? " (default)" : ""}`, o.provisioner ?? "", o.reclaimPolicy ?? "Delete", o.volumeBindingMode ?? "Immediate",
    o.allowVolumeExpansion === true ? "true" : "false", age(sc.metadata.creationTimestamp, ctx)];
});

export const leaseTable = simple([col("Holder"), ageColumn], (l, ctx) => [l.metadata.name, obj(l.spec).holderIdentity ?? "", age(l.metadata.creationTimestamp, ctx)]);

export const endpointSliceTable = simple([col("AddressType"), col("Ports"), col("Endpoints"), ageColumn], (s, ctx) => {
  const ports = arr(s.ports).map((p) => String(p.port ?? "")).join(",") || "<unset>";
  const addrs = arr(s.endpoints).flatMap((e) => arr(e.addresses as unknown[]).map(String));
  const text = addrs.length === 0 ? "<unset>" : addrs.length > 3 ? `${addrs.slice(0, 3).join(",")} + ${addrs.length - 3} more...` : addrs.join(",");
  return [s.metadata.name, s.addressType ?? "", ports, text, age(s.metadata.creationTimestamp, ctx)];
});

export const podTemplateTable = simple([col("Containers"), col("Images"), col("Pod Labels")], (pt) => {
  const containers = arr(obj(obj(pt.template).spec).containers);
  const labels = Object.entries(obj(obj(obj(pt.template).metadata).labels)).map(([k, v]) => `${k}=${v}`).join(",");
  return [pt.metadata.name, containers.map((c) => c.name).join(","), containers.map((c) => c.image).join(","), none(labels)];
});

/** Create-only reviews (TokenReview…) are never listed; their table is the default one, name and age. */
export const reviewTable = simple([ageColumn], (r, ctx) => [r.metadata.name, age(r.metadata.creationTimestamp, ctx)]);
