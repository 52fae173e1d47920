import { CONFIGMAPS, PODS, SECRETS } from "../../client/resources.js";
import type { ConformanceCase, ConformanceContext } from "../case.js";
import { content, expectOutput, follows, mode, readVolumes } from "../volume-kit.js";

/** Upstream's common/storage downwardapi_volume.go, projected_downwardapi.go and projected_combined.go. */

const DIR = "/etc/podinfo";

type Item = Record<string, unknown>;
const fieldItem = (path: string, fieldPath: string, extra: Item = {}): Item => ({ path, fieldRef: { apiVersion: "v1", fieldPath }, ...extra });
const resourceItem = (path: string, resource: string, divisor: string): Item => ({ path, resourceFieldRef: { containerName: "main", resource, divisor } });

function volume(projected: boolean, items: Item[], defaultMode?: number): Record<string, unknown> {
  return projected
    ? { name: "podinfo", projected: { defaultMode, sources: [{ downwardAPI: { items } }] } }
    : { name: "podinfo", downwardAPI: { items, defaultMode } };
}

const RESOURCES = { limits: { cpu: "1250m", memory: "64Mi" }, requests: { cpu: "250m", memory: "32Mi" } };

/** Reads one downward file, with or without the container's resources, and checks content (exact or by pattern) and mode. */
async function readOne(ctx: ConformanceContext, projected: boolean, item: Item, want: string | RegExp, opts: { resources?: boolean; defaultMode?: number; mode?: string } = {}): Promise<void> {
  const file = `${DIR}/${String(item.path)}`;
  const logs = await readVolumes(ctx, "downwardapi-volume", {
    volumes: [volume(projected, [item], opts.defaultMode)], mounts: [{ name: "podinfo", mountPath: DIR }], files: [file],
    resources: opts.resources ? RESOURCES : undefined,
  });
  if (typeof want === "string") expectOutput(logs, [content(file, want)]);
  else if (!logs.split("\n").some((l) => l.startsWith(`content of file "${file}": `) && want.test(l.slice(`content of file "${file}": `.length)))) throw new Error(`${file} does not match ${String(want)}:\n${logs}`);
  if (opts.mode) expectOutput(logs, [mode(file, opts.mode)]);
}

/** The labels or annotations file follows the pod's metadata. */
async function metadataFollows(ctx: ConformanceContext, projected: boolean, which: "labels" | "annotations"): Promise<void> {
  const f = `${DIR}/${which}`;
  const meta = { key1: "value1", key2: "value2" };
  const vol = volume(projected, [fieldItem(which, `metadata.${which}`)]);
  const steps = [
    { expect: [`${f}=key1="value1" key2="value2"`] },
    { change: () => ctx.client.patch(PODS, ctx.namespace, "labelsupdate", "merge", { metadata: { [which]: { key3: "value3" } } }), expect: [`${f}=key1="value1" key2="value2" key3="value3"`] },
  ];
  await follows(ctx, "labelsupdate", [vol], [{ name: "podinfo", mountPath: DIR }], [f], steps, undefined, { [which]: meta });
}

function casesFor(projected: boolean): ConformanceCase[] {
  const prefix = projected ? "[sig-storage] Projected downwardAPI" : "[sig-storage] Downward API volume";
  const list: ConformanceCase[] = [
    { codename: `${prefix} should provide container's cpu limit [NodeConformance] [Conformance]`, run: (ctx) => readOne(ctx, projected, resourceItem("cpu_limit", "limits.cpu", "1m"), "1250", { resources: true }) },
    { codename: `${prefix} should provide container's cpu request [NodeConformance] [Conformance]`, run: (ctx) => readOne(ctx, projected, resourceItem("cpu_request", "requests.cpu", "1m"), "250", { resources: true }) },
    { codename: `${prefix} should provide container's memory limit [NodeConformance] [Conformance]`, run: (ctx) => readOne(ctx, projected, resourceItem("memory_limit", "limits.memory", "1Mi"), "64", { resources: true }) },
    { codename: `${prefix} should provide container's memory request [NodeConformance] [Conformance]`, run: (ctx) => readOne(ctx, projected, resourceItem("memory_request", "requests.memory", "1Mi"), "32", { resources: true }) },
    { codename: `${prefix} should provide node allocatable (cpu) as default cpu limit if the limit is not set [NodeConformance] [Conformance]`, run: (ctx) => readOne(ctx, projected, resourceItem("cpu_limit", "limits.cpu", "1m"), /^[1-9]\d*$/) },
    { codename: `${prefix} should provide node allocatable (memory) as default memory limit if the limit is not set [NodeConformance] [Conformance]`, run: (ctx) => readOne(ctx, projected, resourceItem("memory_limit", "limits.memory", "1Mi"), /^[1-9]\d*$/) },
    { codename: `${prefix} should provide podname only [NodeConformance] [Conformance]`, run: (ctx) => readOne(ctx, projected, fieldItem("podname", "metadata.name"), "downwardapi-volume", { mode: "-rw-r--r--" }) },
    { codename: `${prefix} should set DefaultMode on files [LinuxOnly] [NodeConformance] [Conformance]`, run: (ctx) => readOne(ctx, projected, fieldItem("podname", "metadata.name"), "downwardapi-volume", { defaultMode: 0o400, mode: "-r--------" }) },
    { codename: `${prefix} should set mode on item file [LinuxOnly] [NodeConformance] [Conformance]`, run: (ctx) => readOne(ctx, projected, fieldItem("podname", "metadata.name", { mode: 0o400 }), "downwardapi-volume", { mode: "-r--------" }) },
    { codename: `${prefix} should update labels on modification [NodeConformance] [Conformance]`, run: (ctx) => metadataFollows(ctx, projected, "labels") },
    { codename: `${prefix} should update annotations on modification [NodeConformance] [Conformance]`, run: (ctx) => metadataFollows(ctx, projected, "annotations") },
  ];
  return list;
}

export const cases: ConformanceCase[] = [
  ...casesFor(false),
  ...casesFor(true),
  {
    codename: "[sig-storage] Projected combined should project all components that make up the projection API [Projection] [NodeConformance] [Conformance]",
    async run(ctx) {
      await ctx.client.create(CONFIGMAPS, ctx.namespace, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "configmap-projected-all" }, data: { "configmap-data": "configmap-value-1" } });
      await ctx.client.create(SECRETS, ctx.namespace, { apiVersion: "v1", kind: "Secret", metadata: { name: "secret-projected-all" }, data: { "secret-data": Buffer.from("secret-value-1").toString("base64") } });
      const logs = await readVolumes(ctx, "projected-volume", {
        volumes: [{
          name: "podinfo", projected: {
            sources: [
              { downwardAPI: { items: [fieldItem("podname", "metadata.name"), resourceItem("cpu_limit", "limits.cpu", "1m")] } },
              { configMap: { name: "configmap-projected-all", items: [{ key: "configmap-data", path: "configmap-data" }] } },
              { secret: { name: "secret-projected-all", items: [{ key: "secret-data", path: "secret-data" }] } },
            ],
          },
        }],
        mounts: [{ name: "podinfo", mountPath: "/all" }], files: ["/all/podname", "/all/cpu_limit", "/all/configmap-data", "/all/secret-data"], resources: RESOURCES,
      });
      expectOutput(logs, [content("/all/podname", "projected-volume"), content("/all/cpu_limit", "1250"), content("/all/configmap-data", "configmap-value-1"), content("/all/secret-data", "secret-value-1")]);
    },
  },
];
