import type { KubeObject } from "../src/api/types.js";
import { decodeKubernetesProtobuf } from "../src/api/protobuf/decode.js";
import { encodeKubernetesProtobuf } from "../src/api/protobuf/encode.js";
import { fromRuns, reported, type Figure } from "./figure.js";

const ROUNDS = 7;
const PER_ROUND = 20_000;

/** A Deployment as `kubectl create deployment` + a few common fields sends it (about 600 bytes of protobuf). */
export const BENCH_DEPLOYMENT: KubeObject = {
  apiVersion: "apps/v1", kind: "Deployment",
  metadata: { name: "web", namespace: "default", labels: { app: "web", tier: "frontend" }, annotations: { "deployment.kubernetes.io/revision": "1", note: "x".repeat(100) } },
  spec: {
    replicas: 3, selector: { matchLabels: { app: "web" } },
    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: 1 } },
    template: {
      metadata: { labels: { app: "web", tier: "frontend" } },
      spec: {
        terminationGracePeriodSeconds: 30, restartPolicy: "Always", dnsPolicy: "ClusterFirst",
        containers: [
          { name: "nginx", image: "nginx:1.14", ports: [{ containerPort: 80, protocol: "TCP" }, { name: "metrics", containerPort: 9090, protocol: "TCP" }],
            env: [{ name: "A", value: "1" }, { name: "B", value: "two" }, { name: "C", value: "three" }],
            resources: { limits: { cpu: "500m", memory: "128Mi" }, requests: { cpu: "100m", memory: "64Mi" } },
            imagePullPolicy: "IfNotPresent", terminationMessagePath: "/dev/termination-log", terminationMessagePolicy: "File" },
          { name: "sidecar", image: "busybox:1.36", command: ["sh", "-c", "sleep 3600"], resources: {} },
        ],
      },
    },
  },
};

/** Microseconds per call of `fn`, one figure per round of PER_ROUND calls (after a warm-up round). */
function microsPerCall(fn: () => unknown): number[] {
  for (let i = 0; i < PER_ROUND; i++) fn();
  const runs: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < PER_ROUND; i++) fn();
    runs.push(Number(process.hrtime.bigint() - start) / PER_ROUND / 1000);
  }
  return runs;
}

/**
 * Decoding a protobuf request body (what kubectl's typed clients send) against JSON.parse of the same
 * Deployment as JSON text, in the same run: the descriptor-driven reader must stay in JSON's league.
 */
export async function protobufBenchmarks(): Promise<Figure[]> {
  const bytes = encodeKubernetesProtobuf(BENCH_DEPLOYMENT);
  const text = JSON.stringify(BENCH_DEPLOYMENT);
  const json = reported("JSON.parse of the same Deployment", microsPerCall(() => JSON.parse(text)), "µs");
  const decode = fromRuns(`decode of a protobuf Deployment (${bytes.length} bytes)`, microsPerCall(() => decodeKubernetesProtobuf(bytes)), "µs", "≤ 2× JSON.parse",
    (v) => v <= 2 * json.value, { against: { name: json.name, value: json.value, unit: "µs" } });
  const encode = reported("encode of the same Deployment", microsPerCall(() => encodeKubernetesProtobuf(BENCH_DEPLOYMENT)), "µs");
  return Promise.resolve([decode, json, encode]);
}
