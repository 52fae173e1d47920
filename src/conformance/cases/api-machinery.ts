import assert from "node:assert/strict";
import type { ConformanceCase, ConformanceContext } from "../case.js";
import { PODTEMPLATES, expectCode, raw, waitFor } from "../core-kit.js";

/** Upstream's discovery, aggregated discovery, server version, chunking, table and field-validation tests. */

interface GroupList {
  groups: Array<{ name: string; versions: Array<{ groupVersion: string; version: string }>; preferredVersion: { groupVersion: string; version: string } }>;
}
interface ResourceList {
  groupVersion: string;
  resources: Array<{ name: string; kind: string; verbs: string[] }>;
}
interface DiscoveryList {
  kind: string;
  apiVersion: string;
  items: Array<{ metadata: { name?: string }; versions: Array<{ version: string; resources: Array<{ resource: string }> }> }>;
}

const AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/** Upstream's list of built-in resources the aggregated document must hold, less the groups Tugboat does not serve. */
const BUILT_IN: Array<[string, string, string]> = [
  ["", "v1", "pods"], ["", "v1", "services"], ["", "v1", "configmaps"], ["", "v1", "secrets"], ["", "v1", "namespaces"], ["", "v1", "nodes"],
  ["apps", "v1", "deployments"], ["apps", "v1", "statefulsets"], ["apps", "v1", "daemonsets"], ["apps", "v1", "replicasets"],
  ["batch", "v1", "jobs"], ["batch", "v1", "cronjobs"], ["coordination.k8s.io", "v1", "leases"],
  ["discovery.k8s.io", "v1", "endpointslices"], ["events.k8s.io", "v1", "events"],
];

async function aggregated(ctx: ConformanceContext, path: string): Promise<DiscoveryList> {
  const res = await raw(ctx, "GET", path, { headers: { Accept: AGGREGATED } });
  assert.equal(res.status, 200, `GET ${path}: ${res.text}`);
  assert.match(String(res.headers["content-type"]), /g=apidiscovery\.k8s\.io;\s*v=v2;\s*as=APIGroupDiscoveryList/, "the answer's content type names the aggregated document");
  const list = JSON.parse(res.text) as DiscoveryList;
  assert.equal(list.kind, "APIGroupDiscoveryList");
  assert.equal(list.apiVersion, "apidiscovery.k8s.io/v2");
  return list;
}

function present(lists: DiscoveryList[], [group, version, resource]: [string, string, string]): boolean {
  return lists.some((l) => l.items.some((g) => (g.metadata.name ?? "") === group && g.versions.some((v) => v.version === version && v.resources.some((r) => r.resource === resource))));
}

async function checkAggregated(ctx: ConformanceContext): Promise<void> {
  const lists = [await aggregated(ctx, "/apis"), await aggregated(ctx, "/api")];
  const missing = BUILT_IN.filter((gvr) => !present(lists, gvr)).map((g) => g.join("/"));
  assert.deepEqual(missing, [], "built-in resources missing from aggregated discovery");
}

interface TemplateList {
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  items: Array<{ metadata: { name: string } }>;
}

async function createTemplates(ctx: ConformanceContext, n: number): Promise<void> {
  const names = Array.from({ length: n }, (_, i) => `template-${String(i).padStart(4, "0")}`);
  for (let i = 0; i < names.length; i += 20) {
    await Promise.all(names.slice(i, i + 20).map((name) => ctx.client.create(PODTEMPLATES, ctx.namespace, {
      apiVersion: "v1", kind: "PodTemplate", metadata: { name },
      template: { metadata: { labels: { name } }, spec: { containers: [{ name: "test", image: "busybox" }] } },
    })));
  }
}

function listPage(ctx: ConformanceContext, limit: number, cont?: string): Promise<TemplateList> {
  return ctx.client.request<TemplateList>("GET", `/api/v1/namespaces/${ctx.namespace}/podtemplates`, { query: { limit, continue: cont } });
}

const DEPLOYMENT_BODY = (metadataExtra: string, specExtra: string) => `{
  "apiVersion": "apps/v1", "kind": "Deployment",
  "metadata": {"name": "my-dep", ${metadataExtra} "labels": {"app": "nginx"}},
  "spec": {${specExtra} "selector": {"matchLabels": {"app": "nginx"}},
    "template": {"metadata": {"labels": {"app": "nginx"}}, "spec": {"containers": [{"name": "nginx", "image": "nginx:latest"}]}}}
}`;

async function strictCreate(ctx: ConformanceContext, body: string): Promise<string> {
  const res = await raw(ctx, "POST", `/apis/apps/v1/namespaces/${ctx.namespace}/deployments?fieldManager=field_validation_mgr&fieldValidation=Strict`, { body });
  assert.ok(res.status >= 400 && res.status < 500, `a strict create with bad fields must fail with a 4xx, got ${res.status}: ${res.text}`);
  return (JSON.parse(res.text) as { message: string }).message;
}

export const cases: ConformanceCase[] = [
  {
    codename: "[sig-api-machinery] Discovery should validate PreferredVersion for each APIGroup [Conformance]",
    async run(ctx) {
      const groups = await ctx.client.request<GroupList>("GET", "/apis");
      assert.ok(groups.groups.length > 0);
      for (const g of groups.groups) {
        const one = await ctx.client.request<GroupList["groups"][number]>("GET", `/apis/${g.name}`);
        assert.deepEqual(one.preferredVersion, g.preferredVersion, `/apis/${g.name} and /apis agree on the preferred version`);
        assert.ok(g.versions.some((v) => v.groupVersion === g.preferredVersion.groupVersion), `${g.name}'s preferred version is one of its versions`);
      }
    },
  },
  {
    codename: "[sig-api-machinery] Discovery should locate the groupVersion and a resource within each APIGroup [Conformance]",
    async run(ctx) {
      const groups = await ctx.client.request<GroupList>("GET", "/apis");
      for (const g of groups.groups) {
        const gv = g.preferredVersion.groupVersion;
        const list = await ctx.client.request<ResourceList>("GET", `/apis/${gv}`);
        assert.equal(list.groupVersion, gv);
        // Any resource: a group may serve only create-only ones (authentication.k8s.io: selfsubjectreviews, tokenreviews).
        assert.ok(list.resources.some((r) => !r.name.includes("/")), `${gv} lists a resource`);
      }
      const core = await ctx.client.request<ResourceList>("GET", "/api/v1");
      assert.equal(core.groupVersion, "v1");
      assert.ok(core.resources.some((r) => r.name === "pods"));
    },
  },
  {
    codename: "[sig-api-machinery] AggregatedDiscovery should support aggregated discovery interface [Conformance]",
    run: checkAggregated,
  },
  {
    codename: "[sig-api-machinery] AggregatedDiscovery should support raw aggregated discovery endpoint Accept headers [Conformance]",
    async run(ctx) {
      await checkAggregated(ctx);
      // A client that also accepts the plain document gets the aggregated one when it prefers it.
      const res = await raw(ctx, "GET", "/apis", { headers: { Accept: `${AGGREGATED},application/json` } });
      assert.equal((JSON.parse(res.text) as { kind: string }).kind, "APIGroupDiscoveryList");
      const plain = await raw(ctx, "GET", "/apis", { headers: { Accept: "application/json" } });
      assert.equal((JSON.parse(plain.text) as { kind: string }).kind, "APIGroupList");
    },
  },
  {
    codename: "[sig-api-machinery] server version should find the server version [Conformance]",
    async run(ctx) {
      const v = await ctx.client.request<{ major: string; minor: string; gitVersion: string }>("GET", "/version");
      assert.match(v.major, /^\d+$/, "major is an integer");
      assert.match(v.minor, /^\d+$/, "minor is an integer");
      assert.ok(v.gitVersion.startsWith(`v${v.major}.${v.minor}`), `gitVersion ${v.gitVersion}`);
    },
  },
  {
    codename: "[sig-api-machinery] Servers with support for Table transformation should return a 406 for a backend which does not implement metadata [Conformance]",
    async run(ctx) {
      // A SelfSubjectAccessReview has no list metadata, so asking for it as a Table is a 406.
      const res = await raw(ctx, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", {
        headers: { "Content-Type": "application/json", Accept: "application/json;as=Table;v=v1;g=meta.k8s.io" },
        body: JSON.stringify({ apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", spec: { resourceAttributes: { verb: "list", resource: "pods" } } }),
      });
      assert.equal(res.status, 406, res.text);
      assert.equal((JSON.parse(res.text) as { reason?: string }).reason, "NotAcceptable");
    },
  },
  {
    codename: "[sig-api-machinery] Servers with support for API chunking should return chunks of results for list calls [Conformance]",
    async run(ctx) {
      const total = 400;
      await createTemplates(ctx, total);
      const limit = 17;
      let found = 0;
      let cont: string | undefined;
      let rv: string | undefined;
      for (;;) {
        const page = await listPage(ctx, limit, cont);
        assert.ok(page.items.length <= limit, `a page holds at most ${limit}, got ${page.items.length}`);
        rv ??= page.metadata.resourceVersion;
        assert.equal(page.metadata.resourceVersion, rv, "every page is read at the first page's revision");
        found += page.items.length;
        cont = page.metadata.continue;
        if (!cont) {
          assert.equal(page.metadata.remainingItemCount, undefined, "the last page has no remainingItemCount");
          break;
        }
        assert.equal(page.items.length, limit, "a page before the last is full");
        assert.equal(page.metadata.remainingItemCount, total - found, "remainingItemCount counts what is left");
      }
      assert.equal(found, total);
      const all = await ctx.client.list(PODTEMPLATES, ctx.namespace);
      assert.equal(all.items.length, total, "a list without limit returns everything at once");
    },
  },
  {
    codename: "[sig-api-machinery] Servers with support for API chunking should support continue listing from the last key if the original version has been compacted away, though the list is inconsistent [Slow] [Conformance]",
    async run(ctx) {
      const total = 120;
      await createTemplates(ctx, total);
      const first = await listPage(ctx, 40);
      assert.ok(first.metadata.continue);
      // Writes move the revision on; compaction then drops the first page's revision. The late one sorts
      // after the first page, so the inconsistent rest of the list (read at the newest revision) holds it.
      await ctx.client.create(PODTEMPLATES, ctx.namespace, { apiVersion: "v1", kind: "PodTemplate", metadata: { name: "template-late" }, template: { spec: { containers: [{ name: "test", image: "busybox" }] } } });
      const expired = await waitFor("the continue token to expire (410)", async () => {
        const res = await raw(ctx, "GET", `/api/v1/namespaces/${ctx.namespace}/podtemplates?limit=40&continue=${encodeURIComponent(first.metadata.continue!)}`);
        return res.status === 410 ? (JSON.parse(res.text) as { metadata?: { continue?: string } }) : undefined;
      }, 75_000);
      const inconsistent = expired.metadata?.continue;
      assert.ok(inconsistent, "the 410 carries a continue token for an inconsistent list");
      let cont: string | undefined = inconsistent;
      let found = first.items.length;
      while (cont) {
        const page = await listPage(ctx, 40, cont);
        assert.ok(page.items.length <= 40);
        found += page.items.length;
        cont = page.metadata.continue;
      }
      assert.equal(found, total + 1, "the inconsistent list holds what exists now");
    },
  },
  {
    codename: "[sig-api-machinery] FieldValidation should detect unknown and duplicate fields of a typed object [Conformance]",
    async run(ctx) {
      const message = await strictCreate(ctx, DEPLOYMENT_BODY("", `"unknownField": "foo", "replicas": 2, "replicas": 3,`));
      assert.ok(message.includes('strict decoding error: unknown field "spec.unknownField", duplicate field "spec.replicas"'), message);
    },
  },
  {
    codename: "[sig-api-machinery] FieldValidation should detect unknown metadata fields of a typed object [Conformance]",
    async run(ctx) {
      const message = await strictCreate(ctx, DEPLOYMENT_BODY(`"unknownMeta": "foo",`, ""));
      assert.ok(message.includes('strict decoding error: unknown field "metadata.unknownMeta"'), message);
      await expectCode(ctx.client.get({ group: "apps", version: "v1", resource: "deployments", namespaced: true }, ctx.namespace, "my-dep"), 404, "nothing was written");
    },
  },
];
