import { duplicate, forbidden, invalid, notSupported, required, type FieldError } from "../field-errors.js";
import { dns1123Label, validateLabels } from "./names.js";

type Json = Record<string, unknown>;

const PORT_PROTOCOLS = ["SCTP", "TCP", "UDP"];
const SERVICE_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
export const NODE_PORT_RANGE = { first: 30000, last: 32767 };
const IANA_SVC_NAME = /^(?=.*[a-z])[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

const ports = (spec: Json): Json[] => (Array.isArray(spec.ports) ? (spec.ports as Json[]) : []);

/** Upstream's ValidatePortNumOrName for a targetPort: 1–65535, or an IANA service name. */
function validateTargetPort(value: unknown, field: string): FieldError[] {
  if (typeof value === "number") return value >= 1 && value <= 65535 ? [] : [invalid(field, value, "must be between 1 and 65535, inclusive")];
  if (typeof value !== "string") return [];
  const errs: string[] = [];
  if (value.length > 15) errs.push("must be no more than 15 characters");
  if (!IANA_SVC_NAME.test(value)) errs.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  if (value.includes("--")) errs.push("must not contain consecutive hyphens");
  if (!/[a-z]/.test(value)) errs.push("must contain at least one letter (a-z)");
  return errs.map((m) => invalid(field, value, m));
}

/** Upstream's ValidateService, for the fields Tugboat serves. */
export function validateService(spec: Json): FieldError[] {
  const errs: FieldError[] = [];
  const type = String(spec.type ?? "ClusterIP");
  if (!SERVICE_TYPES.includes(type)) errs.push(notSupported("spec.type", type, SERVICE_TYPES));
  const headless = spec.clusterIP === "None";
  if (ports(spec).length === 0 && !headless && type !== "ExternalName") errs.push(required("spec.ports"));
  if (headless && (type === "NodePort" || type === "LoadBalancer")) {
    errs.push(invalid("spec.clusterIPs[0]", "None", `may not be set to 'None' for ${type} services`));
  }
  if (type === "ExternalName" && !spec.externalName) errs.push(required("spec.externalName"));
  const names = new Set<string>();
  const nodePorts = new Set<string>();
  ports(spec).forEach((p, i) => {
    const path = `spec.ports[${i}]`;
    const name = p.name === undefined ? "" : String(p.name);
    if (ports(spec).length > 1 && name === "") errs.push(required(`${path}.name`));
    else if (name !== "") {
      errs.push(...dns1123Label(name).map((m) => invalid(`${path}.name`, name, m)));
      if (names.has(name)) errs.push(duplicate(`${path}.name`, name));
      names.add(name);
    }
    const port = p.port;
    if (typeof port !== "number" || port < 1 || port > 65535) errs.push(invalid(`${path}.port`, port ?? 0, "must be between 1 and 65535, inclusive"));
    if (p.protocol !== undefined && !PORT_PROTOCOLS.includes(p.protocol as string)) errs.push(notSupported(`${path}.protocol`, p.protocol, PORT_PROTOCOLS));
    errs.push(...validateTargetPort(p.targetPort, `${path}.targetPort`));
    const nodePort = p.nodePort;
    if (nodePort === undefined || nodePort === 0) return;
    if (type === "ClusterIP" || type === "ExternalName") {
      errs.push(forbidden(`${path}.nodePort`, `may not be used when \`type\` is '${type}'`));
    } else if (typeof nodePort !== "number" || nodePort < NODE_PORT_RANGE.first || nodePort > NODE_PORT_RANGE.last) {
      errs.push(invalid(`${path}.nodePort`, nodePort, `provided port is not in the valid range. The range of valid ports is ${NODE_PORT_RANGE.first}-${NODE_PORT_RANGE.last}`));
    } else {
      const key = `${String(p.protocol ?? "TCP")}/${nodePort}`;
      if (nodePorts.has(key)) errs.push(duplicate(`${path}.nodePort`, nodePort));
      nodePorts.add(key);
    }
  });
  errs.push(...validateLabels(spec.selector, "spec.selector"));
  return errs;
}

/** A Service's cluster IP can't change once set, except by becoming or leaving an ExternalName. */
export function validateServiceUpdate(spec: Json, old: Json): FieldError[] {
  const was = old.clusterIP as string | undefined;
  const now = spec.clusterIP as string | undefined;
  if (!was || was === now || old.type === "ExternalName" || spec.type === "ExternalName") return [];
  return [invalid("spec.clusterIPs[0]", now ?? "", "may not change once set")];
}
