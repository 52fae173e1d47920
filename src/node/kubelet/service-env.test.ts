import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Service } from "kubernetes-types/core/v1.js";
import { serviceEnv } from "./service-env.js";

const svc = (namespace: string, name: string, spec: Service["spec"]): Service => ({ metadata: { namespace, name }, spec });
const kubernetes = svc("default", "kubernetes", { clusterIP: "10.96.0.1", ports: [{ name: "https", port: 443 }] });
const redis = svc("app", "redis-primary", { clusterIP: "10.0.0.11", ports: [{ name: "db", port: 6379 }, { port: 53, protocol: "UDP", name: "dns" }] });

describe("serviceEnv", () => {
  test("a service of the pod's namespace: host, first port, named ports and Docker's link variables", () => {
    const env = serviceEnv([redis], "app", true);
    assert.deepEqual(env, {
      REDIS_PRIMARY_SERVICE_HOST: "10.0.0.11", REDIS_PRIMARY_SERVICE_PORT: "6379",
      REDIS_PRIMARY_SERVICE_PORT_DB: "6379", REDIS_PRIMARY_SERVICE_PORT_DNS: "53",
      REDIS_PRIMARY_PORT: "tcp://10.0.0.11:6379",
      REDIS_PRIMARY_PORT_6379_TCP: "tcp://10.0.0.11:6379", REDIS_PRIMARY_PORT_6379_TCP_PROTO: "tcp", REDIS_PRIMARY_PORT_6379_TCP_PORT: "6379", REDIS_PRIMARY_PORT_6379_TCP_ADDR: "10.0.0.11",
      REDIS_PRIMARY_PORT_53_UDP: "udp://10.0.0.11:53", REDIS_PRIMARY_PORT_53_UDP_PROTO: "udp", REDIS_PRIMARY_PORT_53_UDP_PORT: "53", REDIS_PRIMARY_PORT_53_UDP_ADDR: "10.0.0.11",
    });
  });
  test("default/kubernetes always; other namespaces' services never", () => {
    const env = serviceEnv([kubernetes, redis], "web", true);
    assert.deepEqual(Object.keys(env).filter((k) => k.endsWith("_SERVICE_HOST")), ["KUBERNETES_SERVICE_HOST"]);
    assert.equal(env.KUBERNETES_SERVICE_PORT, "443");
  });
  test("enableServiceLinks: false leaves only the master service", () => {
    assert.deepEqual(Object.keys(serviceEnv([kubernetes, redis], "app", false)).filter((k) => k.endsWith("_SERVICE_HOST")), ["KUBERNETES_SERVICE_HOST"]);
  });
  test("headless, ExternalName and portless services give no env", () => {
    const none = [
      svc("app", "headless", { clusterIP: "None", ports: [{ port: 80 }] }),
      svc("app", "ext", { type: "ExternalName", externalName: "example.com" }),
      svc("app", "noports", { clusterIP: "10.0.0.9" }),
    ];
    assert.deepEqual(serviceEnv(none, "app", true), {});
  });
  test("a namespace's own kubernetes service replaces default's when service links are on", () => {
    const own = svc("app", "kubernetes", { clusterIP: "10.0.0.50", ports: [{ port: 8443 }] });
    assert.equal(serviceEnv([own, kubernetes], "app", true).KUBERNETES_SERVICE_HOST, "10.0.0.50");
    assert.equal(serviceEnv([kubernetes, own], "app", true).KUBERNETES_SERVICE_HOST, "10.0.0.50");
  });
});
