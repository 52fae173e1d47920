import { spawn, spawnSync } from "node:child_process";
import { connect, type Socket } from "node:net";
import { request } from "node:http";
import { join } from "node:path";
import WebSocket from "ws";
import { PODS } from "../src/client/resources.js";
import type { Figure } from "./figure.js";
import { MiB } from "./figure.js";
import { percentile, TugProcess, until } from "./harness.js";

const KUBECTL = process.env.KUBECTL || "kubectl";
const BIG = 64 * MiB;

/** GET of `path`, the body read and thrown away; resolves to the bytes read per second. */
function download(host: string, port: number, path: string): Promise<{ bytes: number; seconds: number }> {
  return new Promise((resolve, reject) => {
    const began = performance.now();
    let bytes = 0;
    request({ host, port, path, agent: false }, (res) => {
      res.on("data", (d: Buffer) => (bytes += d.length));
      res.on("end", () => resolve({ bytes, seconds: (performance.now() - began) / 1000 }));
      res.on("error", reject);
    }).on("error", reject).end();
  });
}

function timed(args: string[], kubeconfig: string): number {
  const began = performance.now();
  const r = spawnSync(KUBECTL, ["--kubeconfig", kubeconfig, ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr}`);
  return performance.now() - began;
}

/**
 * Exec and port-forward through the API server and the node agent (issue 22): `kubectl exec pod -- true`
 * round trips against `kubectl get pod` (the same kubectl start-up and TLS handshake, no stream); a 64 MiB
 * download through `kubectl port-forward` against the same download from the pod IP, interleaved; and the
 * API server's GET latency while 100 exec sessions are open at once.
 */
export async function streamBenchmarks(): Promise<Figure[]> {
  if (process.getuid?.() !== 0) throw new Error("the streams benchmark needs root (pods in their own network namespaces)");
  const tug = await TugProcess.start(["--nodes", "1", "--runtime", "process"]);
  const client = tug.client();
  const kubeconfig = join(tug.dir, "kubeconfig");
  const www = `/tmp/tug-bench-www-${process.pid}`;
  try {
    await client.create(PODS, "default", { apiVersion: "v1", kind: "Pod", metadata: { name: "bb" }, spec: { containers: [{ name: "bb", image: "busybox", command: ["sleep", "3600"] }] } });
    await client.create(PODS, "default", {
      apiVersion: "v1", kind: "Pod", metadata: { name: "files" },
      spec: { containers: [{ name: "httpd", image: "busybox", command: ["sh", "-c", `mkdir -p ${www} && head -c ${BIG} /dev/zero > ${www}/big && exec httpd -f -p 8000 -h ${www}`] }] },
    });
    let podIP = "";
    await until("both pods serving", async () => {
      const pods = (await client.list(PODS, "default")).items as Array<{ metadata: { name: string }; status?: { phase?: string; podIP?: string } }>;
      podIP = pods.find((p) => p.metadata.name === "files")?.status?.podIP ?? "";
      return pods.every((p) => p.status?.phase === "Running") && podIP !== "" && (await download(podIP, 8000, "/big").then((d) => d.bytes === BIG, () => false));
    }, 60_000);

    // 1. Exec round trip.
    for (let i = 0; i < 5; i++) timed(["exec", "bb", "--", "true"], kubeconfig);
    const exec: number[] = [];
    const get: number[] = [];
    for (let i = 0; i < 100; i++) {
      exec.push(timed(["exec", "bb", "--", "true"], kubeconfig));
      get.push(timed(["get", "pod", "bb", "-o", "name"], kubeconfig));
    }
    exec.sort((a, b) => a - b);
    get.sort((a, b) => a - b);

    // 2. Port-forward throughput against the pod IP.
    const forward = spawn(KUBECTL, ["--kubeconfig", kubeconfig, "port-forward", "pod/files", ":8000"], { stdio: ["ignore", "pipe", "ignore"] });
    let printed = "";
    forward.stdout!.on("data", (d: Buffer) => (printed += d.toString()));
    await until("port-forward listening", async () => /127\.0\.0\.1:(\d+)/.test(printed), 30_000);
    const localPort = Number(/127\.0\.0\.1:(\d+)/.exec(printed)![1]);
    const direct: number[] = [];
    const forwarded: number[] = [];
    await download("127.0.0.1", localPort, "/big");
    for (let i = 0; i < 3; i++) {
      const d = await download(podIP, 8000, "/big");
      direct.push(d.bytes / MiB / d.seconds);
      const f = await download("127.0.0.1", localPort, "/big");
      if (f.bytes !== BIG) throw new Error(`port-forward delivered ${f.bytes} of ${BIG} bytes`);
      forwarded.push(f.bytes / MiB / f.seconds);
    }
    const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

    // 3. The API server's other requests while 100 exec sessions are open.
    const ep = tug.endpoint;
    const sessions = await Promise.all(Array.from({ length: 100 }, () => new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`wss://${ep.host}:${ep.port}/api/v1/namespaces/default/pods/bb/exec?command=sleep&command=30&stdout=true`, ["v5.channel.k8s.io"], { ca: ep.ca, headers: { Authorization: `Bearer ${ep.token}` } });
      ws.once("message", () => resolve(ws));
      ws.once("error", reject);
    })));
    const held = await Promise.all(Array.from({ length: 100 }, () => new Promise<Socket>((resolve, reject) => {
      const socket = connect(localPort, "127.0.0.1", () => resolve(socket));
      socket.once("error", reject);
    })));
    await until("100 forwarded connections dialled in the pod", async () => Number(spawnSync("pgrep", ["-fc", "nc 127.0.0.1 8000"], { encoding: "utf8" }).stdout.trim()) >= 100, 60_000);
    const during: number[] = [];
    for (let i = 0; i < 300; i++) {
      const began = performance.now();
      await client.get(PODS, "default", "bb");
      during.push(performance.now() - began);
    }
    for (const ws of sessions) ws.close();
    for (const socket of held) socket.destroy();
    forward.kill();
    during.sort((a, b) => a - b);

    const mbDirect = median(direct);
    const mbForwarded = median(forwarded);
    return [
      {
        name: "kubectl exec pod -- true, round trip p50", value: percentile(exec, 50), unit: "ms", goal: "(reported)", met: true,
        against: { name: "kubectl get pod p50", value: percentile(get, 50), unit: "ms" },
        detail: `100 runs, interleaved with kubectl get pod; exec p99 ${percentile(exec, 99).toFixed(1)} ms, get p99 ${percentile(get, 99).toFixed(1)} ms (both include kubectl's start-up)`,
      },
      { name: "kubectl exec pod -- true, round trip p99", value: percentile(exec, 99), unit: "ms", goal: "(reported)", met: true },
      {
        name: "port-forward throughput (64 MiB through the API server and node agent)", value: mbForwarded, unit: "MB/s", goal: "(reported)", met: true,
        against: { name: "the same download from the pod IP", value: mbDirect, unit: "MB/s" },
        detail: `median of 3 interleaved runs each; forwarded ${forwarded.map((v) => v.toFixed(0)).join(", ")} MiB/s, direct ${direct.map((v) => v.toFixed(0)).join(", ")} MiB/s; ratio ${(mbForwarded / mbDirect).toFixed(3)}`,
      },
      {
        name: "API GET latency p99 while 100 exec sessions and 100 port-forward connections are open", value: percentile(during, 99), unit: "ms", goal: "≤ 50 ms", met: percentile(during, 99) <= 50,
        detail: `300 sequential GETs of a pod; p50 ${percentile(during, 50).toFixed(2)} ms`,
      },
    ];
  } finally {
    spawnSync(KUBECTL, ["--kubeconfig", kubeconfig, "exec", "files", "--", "rm", "-rf", www]);
    client.close();
    await tug.stop();
  }
}
