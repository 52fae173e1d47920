import type { Service } from "kubernetes-types/core/v1.js";

/** The services whose env every pod gets, with or without service links (upstream's master services). */
const MASTER_SERVICES = new Set(["kubernetes"]);

const envName = (s: string) => s.replaceAll("-", "_").toUpperCase();
const hasClusterIP = (svc: Service) => !!svc.spec?.clusterIP && svc.spec.clusterIP !== "None";

/**
 * The service env a pod's containers start with, as the kubelet's getServiceEnvVarMap and FromServices
 * build it: for each service of the pod's namespace that has a cluster IP (only when
 * `enableServiceLinks`, the default), and for default/kubernetes always,
 * `{SVC}_SERVICE_HOST`, `{SVC}_SERVICE_PORT` (the first port), `{SVC}_SERVICE_PORT_{NAME}` per named port
 * and Docker's link variables (`{SVC}_PORT`, `{SVC}_PORT_{port}_{PROTO}` with `_PROTO`, `_PORT`, `_ADDR`).
 * Names upper-cased with `-` as `_`.
 *
 * Example: service `redis-primary` at 10.0.0.11, port 6379/TCP named `db` →
 * REDIS_PRIMARY_SERVICE_HOST=10.0.0.11, REDIS_PRIMARY_SERVICE_PORT=6379, REDIS_PRIMARY_SERVICE_PORT_DB=6379,
 * REDIS_PRIMARY_PORT=tcp://10.0.0.11:6379, REDIS_PRIMARY_PORT_6379_TCP=tcp://10.0.0.11:6379, …_PROTO=tcp, …_PORT=6379, …_ADDR=10.0.0.11.
 */
export function serviceEnv(services: readonly Service[], namespace: string, enableServiceLinks: boolean): Record<string, string> {
  const chosen = new Map<string, Service>();
  for (const svc of services) {
    if (!hasClusterIP(svc) || (svc.spec?.ports ?? []).length === 0) continue;
    const name = svc.metadata?.name ?? "";
    const ns = svc.metadata?.namespace;
    // A namespace's own service of a master service's name wins over the master one.
    if (ns === "default" && MASTER_SERVICES.has(name)) {
      if (!chosen.has(name)) chosen.set(name, svc);
    } else if (ns === namespace && enableServiceLinks) chosen.set(name, svc);
  }
  const env: Record<string, string> = {};
  for (const svc of chosen.values()) {
    const prefix = envName(svc.metadata!.name!);
    const ip = svc.spec!.clusterIP!;
    const ports = svc.spec!.ports!;
    env[`${prefix}_SERVICE_HOST`] = ip;
    env[`${prefix}_SERVICE_PORT`] = String(ports[0]!.port);
    for (const p of ports) if (p.name) env[`${prefix}_SERVICE_PORT_${envName(p.name)}`] = String(p.port);
    for (const [i, p] of ports.entries()) {
      const proto = (p.protocol ?? "TCP").toLowerCase();
      const url = `${proto}://${ip}:${p.port}`;
      if (i === 0) env[`${prefix}_PORT`] = url;
      const portPrefix = `${prefix}_PORT_${p.port}_${proto.toUpperCase()}`;
      env[portPrefix] = url;
      env[`${portPrefix}_PROTO`] = proto;
      env[`${portPrefix}_PORT`] = String(p.port);
      env[`${portPrefix}_ADDR`] = ip;
    }
  }
  return env;
}
