import assert from "node:assert/strict";
import { PODS } from "../client/resources.js";
import type { ConformanceContext } from "./case.js";
import { isRunning, podLogs, runToEnd, shPod, waitFor, waitForPod } from "./core-kit.js";

/**
 * What the volume cases (configMap, secret, downwardAPI, projected, emptyDir) share: a pod that mounts
 * volumes and prints each file's content and mode, as upstream's mounttest/agnhost does.
 */

export interface Mount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
}

export interface VolumePodOptions {
  volumes: Array<Record<string, unknown>>;
  mounts: Mount[];
  /** Files whose content and mode (ls -l style, links followed) the pod prints. */
  files: string[];
  podSecurity?: Record<string, unknown>;
  containerSecurity?: Record<string, unknown>;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  resources?: Record<string, unknown>;
  /** Shell run before the files are printed. */
  before?: string;
}

const REPORT = (f: string) => `echo "content of file \\"${f}\\": $(cat ${f})"; echo "mode of file \\"${f}\\": $(stat -L -c %A ${f})"`;

/** Runs the pod to its end and returns its log (which names each file's content and mode). */
export async function readVolumes(ctx: ConformanceContext, name: string, opts: VolumePodOptions): Promise<string> {
  const script = [opts.before, ...opts.files.map(REPORT)].filter(Boolean).join("; ");
  const pod = shPod(name, script, {
    labels: opts.labels,
    spec: { volumes: opts.volumes, securityContext: opts.podSecurity },
    container: { volumeMounts: opts.mounts, securityContext: opts.containerSecurity, resources: opts.resources },
  });
  pod.metadata.annotations = opts.annotations;
  const { pod: done, logs } = await runToEnd(ctx, pod);
  assert.equal(done.status?.phase, "Succeeded", `the volume pod failed: ${logs} ${JSON.stringify(done.status?.containerStatuses?.[0]?.state)}`);
  return logs;
}

/** Asserts the pod printed each expected line. */
export function expectOutput(logs: string, want: string[]): void {
  const lines = logs.split("\n");
  assert.deepEqual(want.filter((w) => !lines.includes(w)), [], `missing from the pod's output:\n${logs}`);
}

export const content = (f: string, v: string) => `content of file "${f}": ${v}`;
export const mode = (f: string, m: string) => `mode of file "${f}": ${m}`;

/**
 * How long a change may take to show in a volume. Upstream allows the kubelet's sync period (about a
 * minute, up to 5 minutes in its tests); 30 s keeps the failing cases short today: a kubelet that refreshes
 * only on its resync, not on the object's watch event, needs this raised.
 */
export const REFRESH_MS = 30_000;

/**
 * Starts a pod that prints `file` (or "missing") every 200 ms, waits until it has printed `first`, runs
 * `change`, then waits until it prints `then`: the kubelet refreshing a volume after its source changed.
 */
export async function follows(ctx: ConformanceContext, name: string, volumes: Array<Record<string, unknown>>, mounts: Mount[], files: string[], steps: Array<{ change?: () => Promise<unknown>; expect: string[] }>, ms = REFRESH_MS, meta: { labels?: Record<string, string>; annotations?: Record<string, string> } = {}): Promise<void> {
  const loop = `while true; do ${files.map((f) => `echo "${f}=$( (cat ${f} 2>/dev/null || echo missing) | tr '\\n' ' ')"`).join("; ")}; sleep 0.2; done`;
  const pod = shPod(name, loop, { labels: meta.labels, spec: { restartPolicy: "Always", volumes }, container: { volumeMounts: mounts } });
  pod.metadata.annotations = meta.annotations;
  await ctx.client.create(PODS, ctx.namespace, pod);
  await waitForPod(ctx, name, "to run", isRunning);
  let seen = 0;
  for (const step of steps) {
    await step.change?.();
    await waitFor(`the volume to show ${step.expect.join(", ")}`, async () => {
      const lines = (await podLogs(ctx, name)).split("\n");
      const tail = lines.slice(seen);
      // The latest round of lines must show every expectation.
      const last = new Map<string, string>();
      for (const l of tail) {
        const i = l.indexOf("=");
        if (i > 0) last.set(l.slice(0, i), l.trimEnd());
      }
      if (step.expect.every((e) => last.get(e.slice(0, e.indexOf("="))) === e)) {
        seen = lines.length - 1;
        return true;
      }
      return false;
    }, ms);
  }
}
