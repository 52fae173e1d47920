import assert from "node:assert/strict";
import type { KubeObject } from "../../api/types.js";
import { CONFIGMAPS, SECRETS } from "../../client/resources.js";
import type { ConformanceCase, ConformanceContext } from "../case.js";
import { NAMESPACES, dropNamespace, expectCode, suffix } from "../core-kit.js";
import { content, expectOutput, follows, mode, readVolumes } from "../volume-kit.js";

/**
 * Upstream's common/storage configmap_volume.go, secrets_volume.go, projected_configmap.go and
 * projected_secret.go: one table of behaviours run for each of the four volume sources.
 */

type Kind = "configMap" | "secret";
interface Variant {
  kind: Kind;
  projected: boolean;
  prefix: string;
}

const VARIANTS: Variant[] = [
  { kind: "configMap", projected: false, prefix: "[sig-storage] ConfigMap" },
  { kind: "secret", projected: false, prefix: "[sig-storage] Secrets" },
  { kind: "configMap", projected: true, prefix: "[sig-storage] Projected configMap" },
  { kind: "secret", projected: true, prefix: "[sig-storage] Projected secret" },
];

const b64 = (s: string) => Buffer.from(s).toString("base64");
const ref = (k: Kind) => (k === "secret" ? SECRETS : CONFIGMAPS);

function source(k: Kind, name: string, data: Record<string, string>, extra: Record<string, unknown> = {}): KubeObject {
  return k === "secret"
    ? { apiVersion: "v1", kind: "Secret", metadata: { name }, type: "Opaque", data: Object.fromEntries(Object.entries(data).map(([a, b]) => [a, b64(b)])), ...extra }
    : { apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data, ...extra };
}

/** The volume for `v` naming object `name`, with items/defaultMode/optional where given. */
function volume(v: Variant, volName: string, name: string, o: { items?: Array<Record<string, unknown>>; defaultMode?: number; optional?: boolean } = {}): Record<string, unknown> {
  const inner = v.kind === "secret" ? { secretName: name, items: o.items, optional: o.optional } : { name, items: o.items, optional: o.optional };
  if (v.projected) return { name: volName, projected: { defaultMode: o.defaultMode, sources: [{ [v.kind]: v.kind === "secret" ? { name, items: o.items, optional: o.optional } : inner }] } };
  return { name: volName, [v.kind]: { ...inner, defaultMode: o.defaultMode } };
}

const DATA = { "data-1": "value-1", "data-2": "value-2", "data-3": "value-3" };
const DIR = "/etc/projected-volume";

async function consume(ctx: ConformanceContext, v: Variant, o: { items?: Array<Record<string, unknown>>; defaultMode?: number; file: string; value: string; mode: string; nonRoot?: boolean }): Promise<void> {
  await ctx.client.create(ref(v.kind), ctx.namespace, source(v.kind, "volume-test", DATA));
  const logs = await readVolumes(ctx, "pod-volume", {
    volumes: [volume(v, "volume-test", "volume-test", o)],
    mounts: [{ name: "volume-test", mountPath: DIR, readOnly: true }],
    files: [`${DIR}/${o.file}`],
    podSecurity: o.nonRoot ? { runAsUser: 1000, ...(v.kind === "secret" ? { fsGroup: 1001 } : {}) } : undefined,
  });
  expectOutput(logs, [content(`${DIR}/${o.file}`, o.value), mode(`${DIR}/${o.file}`, o.mode)]);
}


function casesFor(v: Variant): ConformanceCase[] {
  const cm = v.kind === "configMap";
  const mapped = cm ? { items: [{ key: "data-2", path: "path/to/data-2" }], file: "path/to/data-2", value: "value-2" } : { items: [{ key: "data-1", path: "new-path-data-1" }], file: "new-path-data-1", value: "value-1" };
  const out: ConformanceCase[] = [
    {
      codename: `${v.prefix} should be consumable from pods in volume [NodeConformance] [Conformance]`,
      run: (ctx) => consume(ctx, v, { file: "data-1", value: "value-1", mode: "-rw-r--r--" }),
    },
    {
      codename: `${v.prefix} should be consumable from pods in volume with defaultMode set [LinuxOnly] [NodeConformance] [Conformance]`,
      run: (ctx) => consume(ctx, v, { defaultMode: 0o400, file: "data-1", value: "value-1", mode: "-r--------" }),
    },
    {
      codename: `${v.prefix} should be consumable from pods in volume with mappings [NodeConformance] [Conformance]`,
      run: (ctx) => consume(ctx, v, { ...mapped, mode: "-rw-r--r--" }),
    },
    {
      codename: `${v.prefix} should be consumable from pods in volume with mappings and Item ${cm ? "mode" : "Mode"} set [LinuxOnly] [NodeConformance] [Conformance]`,
      run: (ctx) => consume(ctx, v, { ...mapped, items: mapped.items.map((i) => ({ ...i, mode: 0o400 })), mode: "-r--------" }),
    },
    {
      codename: `${v.prefix} should be consumable in multiple volumes in ${cm ? "the same pod" : "a pod"} [NodeConformance] [Conformance]`,
      async run(ctx) {
        await ctx.client.create(ref(v.kind), ctx.namespace, source(v.kind, "volume-test", DATA));
        const logs = await readVolumes(ctx, "pod-volumes", {
          volumes: [volume(v, "volume-1", "volume-test"), volume(v, "volume-2", "volume-test")],
          mounts: [{ name: "volume-1", mountPath: `${DIR}-1`, readOnly: true }, { name: "volume-2", mountPath: `${DIR}-2`, readOnly: true }],
          files: [`${DIR}-1/data-1`, `${DIR}-2/data-1`],
        });
        expectOutput(logs, [content(`${DIR}-1/data-1`, "value-1"), content(`${DIR}-2/data-1`, "value-1")]);
      },
    },
    {
      codename: `${v.prefix} optional updates should be reflected in volume [NodeConformance] [Conformance]`,
      async run(ctx) {
        const k = ref(v.kind);
        await ctx.client.create(k, ctx.namespace, source(v.kind, "del", { "data-1": "value-1" }));
        await ctx.client.create(k, ctx.namespace, source(v.kind, "upd", { "data-1": "value-1" }));
        const vols = ["del", "upd", "create"].map((n) => volume(v, `${n}-volume`, n, { optional: true }));
        const mounts = ["del", "upd", "create"].map((n) => ({ name: `${n}-volume`, mountPath: `/etc/${n}-volume`, readOnly: true }));
        const files = ["/etc/del-volume/data-1", "/etc/upd-volume/data-3", "/etc/create-volume/data-1"];
        await follows(ctx, "pod-optional", vols, mounts, files, [
          { expect: [`${files[0]}=value-1`, `${files[1]}=missing`, `${files[2]}=missing`] },
          {
            change: async () => {
              await ctx.client.delete(k, ctx.namespace, "del");
              await ctx.client.update(k, source(v.kind, "upd", { "data-3": "value-3" }, { metadata: { name: "upd", namespace: ctx.namespace } }));
              await ctx.client.create(k, ctx.namespace, source(v.kind, "create", { "data-1": "value-1" }));
            },
            expect: [`${files[0]}=missing`, `${files[1]}=value-3`, `${files[2]}=value-1`],
          },
        ]);
      },
    },
  ];
  if (cm) {
    out.push(
      {
        codename: `${v.prefix} should be consumable from pods in volume as non-root [NodeConformance] [Conformance]`,
        run: (ctx) => consume(ctx, v, { file: "data-1", value: "value-1", mode: "-rw-r--r--", nonRoot: true }).then(() => assertUid(ctx)),
      },
      {
        codename: `${v.prefix} should be consumable from pods in volume with mappings as non-root [NodeConformance] [Conformance]`,
        run: (ctx) => consume(ctx, v, { ...mapped, mode: "-rw-r--r--", nonRoot: true }).then(() => assertUid(ctx)),
      },
      {
        codename: `${v.prefix} updates should be reflected in volume [NodeConformance] [Conformance]`,
          async run(ctx) {
          await ctx.client.create(CONFIGMAPS, ctx.namespace, source("configMap", "upd", { "data-1": "value-1" }));
          const f = "/etc/cm-volume/data-1";
          await follows(ctx, "pod-updates", [volume(v, "cm-volume", "upd")], [{ name: "cm-volume", mountPath: "/etc/cm-volume", readOnly: true }], [f], [
            { expect: [`${f}=value-1`] },
            { change: () => ctx.client.patch(CONFIGMAPS, ctx.namespace, "upd", "merge", { data: { "data-1": "value-2" } }), expect: [`${f}=value-2`] },
          ]);
        },
      },
    );
  } else {
    out.push({
      codename: `${v.prefix} should be consumable from pods in volume as non-root with defaultMode and fsGroup set [LinuxOnly] [NodeConformance] [Conformance]`,
      run: (ctx) => consume(ctx, v, { defaultMode: 0o440, file: "data-1", value: "value-1", mode: "-r--r-----", nonRoot: true }).then(() => assertUid(ctx)),
    });
  }
  return out;
}

/** A pod asked to run as uid 1000 does (the part of the non-root cases the file checks can't show). */
async function assertUid(ctx: ConformanceContext): Promise<void> {
  const logs = await readVolumes(ctx, "pod-uid", { volumes: [], mounts: [], files: [], before: "id -u", podSecurity: { runAsUser: 1000 } });
  assert.equal(logs.trim(), "1000");
}

/** Upstream's immutability test, for ConfigMaps and Secrets alike. */
async function immutable(ctx: ConformanceContext, k: Kind): Promise<void> {
  const r = ref(k);
  const created = await ctx.client.create(r, ctx.namespace, source(k, "immutable", { "data-1": "value-1" }));
  const dataOf = (d: Record<string, string>) => (k === "secret" ? { data: Object.fromEntries(Object.entries(d).map(([a, b]) => [a, b64(b)])) } : { data: d });
  const changed = await ctx.client.update(r, { ...created, ...dataOf({ "data-1": "value-2" }) });
  const frozen = await ctx.client.update(r, { ...changed, immutable: true });
  await expectCode(ctx.client.update(r, { ...frozen, ...dataOf({ "data-1": "value-3" }) }), 422, "changing the data of an immutable object");
  await expectCode(ctx.client.update(r, { ...frozen, immutable: false }), 422, "making an immutable object mutable again");
  const relabelled = await ctx.client.update(r, { ...frozen, metadata: { ...frozen.metadata, labels: { label1: "value1" } } });
  assert.equal(relabelled.metadata.labels?.label1, "value1", "its metadata can still change");
  await ctx.client.delete(r, ctx.namespace, "immutable");
}

export const cases: ConformanceCase[] = [
  ...VARIANTS.flatMap(casesFor),
  {
    codename: "[sig-storage] ConfigMap should be immutable if `immutable` field is set [Conformance]",
    run: (ctx) => immutable(ctx, "configMap"),
  },
  {
    codename: "[sig-storage] Secrets should be immutable if `immutable` field is set [Conformance]",
    run: (ctx) => immutable(ctx, "secret"),
  },
  {
    codename: "[sig-storage] ConfigMap binary data should be reflected in volume [NodeConformance] [Conformance]",
    async run(ctx) {
      await ctx.client.create(CONFIGMAPS, ctx.namespace, source("configMap", "binary", { "data-1": "value-1" }, { binaryData: { "dump.bin": Buffer.from([0xde, 0xca, 0xfe, 0xba, 0xd0, 0xfe, 0xca, 0xfe]).toString("base64") } }));
      const logs = await readVolumes(ctx, "pod-binary", {
        volumes: [{ name: "cm", configMap: { name: "binary" } }], mounts: [{ name: "cm", mountPath: "/etc/configmap-volume" }],
        files: ["/etc/configmap-volume/data-1"], before: "hexdump -C /etc/configmap-volume/dump.bin",
      });
      expectOutput(logs, [content("/etc/configmap-volume/data-1", "value-1"), "00000000  de ca fe ba d0 fe ca fe                           |........|"]);
    },
  },
  {
    codename: "[sig-storage] Secrets should be able to mount in a volume regardless of a different secret existing with same name in different namespace [NodeConformance] [Conformance]",
    async run(ctx) {
      const other = `secret-namespace-${suffix()}`;
      await ctx.client.create(NAMESPACES, undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name: other } });
      try {
        await ctx.client.create(SECRETS, other, source("secret", "volume-test", { "data-1": "value-other" }));
        await ctx.client.create(SECRETS, ctx.namespace, source("secret", "volume-test", DATA));
        const logs = await readVolumes(ctx, "pod-secrets", { volumes: [{ name: "s", secret: { secretName: "volume-test" } }], mounts: [{ name: "s", mountPath: DIR }], files: [`${DIR}/data-1`] });
        expectOutput(logs, [content(`${DIR}/data-1`, "value-1"), mode(`${DIR}/data-1`, "-rw-r--r--")]);
      } finally {
        await dropNamespace(ctx, other).catch(() => {});
      }
    },
  },
];
