import assert from "node:assert/strict";
import { SERVICES } from "../../client/resources.js";
import type { ConformanceCase, ConformanceContext } from "../case.js";
import { type Pod, runToEnd, shPod, startPod, waitFor, webPod } from "../core-kit.js";
import { type Service, expectEndpoints, service } from "./services.js";

/**
 * Upstream's test/e2e/network/dns.go. Upstream's probe pods loop over `dig +search`; ours run busybox
 * nslookup once per name and print each answer, so a case reads what a pod's resolver got.
 */

/**
 * `dig +search` in busybox sh: a name with fewer dots than the pod's ndots is tried with each suffix of
 * its resolv.conf's search list first, then as it is. busybox's own nslookup applies the search list
 * only to names without a dot, so `kubernetes.default` would go out of the cluster as it is (and, with
 * no upstream nameserver reachable, time out).
 */
const DIG_SEARCH = [
  "lookup() {",
  "ndots=$(sed -n 's/.*ndots:\\([0-9]*\\).*/\\1/p' /etc/resolv.conf); dots=$(printf %s \"$2\" | tr -cd . | wc -c);",
  "if [ \"$dots\" -lt \"${ndots:-1}\" ]; then for s in $(sed -n 's/^search //p' /etc/resolv.conf); do",
  "out=$(nslookup $1 \"$2.$s.\" 2>&1) && { echo \"$out\"; return 0; }; done; fi;",
  "nslookup $1 \"$2.\" 2>&1; }",
].join(" ");

interface Lookup {
  name: string;
  type?: "a" | "srv" | "ptr" | "cname";
}

/** Runs one pod that looks every name up and returns name → the resolver's output (undefined: failed). */
async function lookups(ctx: ConformanceContext, pod: string, queries: Lookup[], extra: Partial<Pod["spec"]> = {}): Promise<Map<string, string | undefined>> {
  // Each name is tried up to 5 times a second apart, as upstream's probe pods loop until every lookup
  // answers: the cluster DNS learns a Service created a moment ago through its own watch.
  const script = [DIG_SEARCH, ...queries.map((q, i) =>
    `echo "@@${i}"; n=0; until out=$(lookup -type=${q.type ?? "a"} ${q.name}); do n=$((n+1)); [ $n -ge 5 ] && break; sleep 1; done; echo "$out"; [ $n -lt 5 ] && echo "@@ok"`)].join("; ");
  const { logs } = await runToEnd(ctx, shPod(pod, script, { spec: extra }));
  const out = new Map<string, string | undefined>();
  const parts = logs.split(/@@(\d+)\n/);
  for (let i = 1; i < parts.length; i += 2) {
    const q = queries[Number(parts[i])]!;
    const body = parts[i + 1] ?? "";
    out.set(`${q.type ?? "a"} ${q.name}`, body.includes("@@ok") ? body : undefined);
  }
  return out;
}

function expectAnswers(answers: Map<string, string | undefined>, want: Record<string, RegExp | true>): void {
  const failed: string[] = [];
  for (const [key, re] of Object.entries(want)) {
    const got = answers.get(key);
    if (got === undefined || (re !== true && !re.test(got))) failed.push(`${key} → ${got === undefined ? "no answer" : JSON.stringify(got.trim())}`);
  }
  assert.deepEqual(failed, [], `lookups that failed: ${failed.join("; ")}`);
}

const escape = (s: string) => s.replace(/\./g, "\\.");

/** The headless service and the querier pod that upstream's hostname/subdomain tests share. */
async function headlessWithQuerier(ctx: ConformanceContext, svc: string, host: string): Promise<Pod> {
  await ctx.client.create(SERVICES, ctx.namespace, service(svc, { clusterIP: "None", selector: { "dns-test": "true" }, ports: [{ name: "http", port: 80, targetPort: 80 }] }));
  const pod = await startPod(ctx, { ...webPod(host, { "dns-test": "true" }), spec: { ...webPod(host).spec, hostname: host, subdomain: svc } });
  await expectEndpoints(ctx, svc, { [host]: [80] });
  return pod;
}

export const cases: ConformanceCase[] = [
  {
    codename: "[sig-network] DNS should provide DNS for the cluster [Conformance]",
    async run(ctx) {
      const kube = (await ctx.client.get<Service>(SERVICES, "default", "kubernetes")).spec.clusterIP!;
      const answers = await lookups(ctx, "dns-test", [{ name: "kubernetes.default" }, { name: "kubernetes.default.svc" }, { name: "kubernetes.default.svc.cluster.local" }]);
      const a = new RegExp(`Address:\\s+${escape(kube)}`);
      expectAnswers(answers, { "a kubernetes.default": a, "a kubernetes.default.svc": a, "a kubernetes.default.svc.cluster.local": a });
    },
  },
  {
    codename: "[sig-network] DNS should provide /etc/hosts entries for the cluster [Conformance]",
    async run(ctx) {
      const { pod, logs } = await runToEnd(ctx, shPod("dns-querier-1", "cat /etc/hosts", { spec: { hostname: "dns-querier-1", subdomain: "dns-test-service" } }));
      const fqdn = `dns-querier-1.dns-test-service.${ctx.namespace}.svc.cluster.local`;
      assert.match(logs, new RegExp(`^${escape(pod.status!.podIP!)}\\s+${escape(fqdn)}\\s+dns-querier-1\\s*$`, "m"), `the pod's /etc/hosts maps its FQDN and hostname:\n${logs}`);
      assert.match(logs, /^127\.0\.0\.1\s+localhost/m, "and localhost");
    },
  },
  {
    codename: "[sig-network] DNS should provide DNS for pods for Hostname [Conformance]",
    async run(ctx) {
      const querier = await headlessWithQuerier(ctx, "dns-test-service-2", "dns-querier-2");
      const fqdn = `dns-querier-2.dns-test-service-2.${ctx.namespace}.svc.cluster.local`;
      const answers = await lookups(ctx, "dns-test", [{ name: fqdn }]);
      expectAnswers(answers, { [`a ${fqdn}`]: new RegExp(`Address:\\s+${escape(querier.status!.podIP!)}`) });
      const { logs } = await runToEnd(ctx, shPod("hosts", "cat /etc/hosts; hostname", { spec: { hostname: "dns-querier-2", subdomain: "dns-test-service-2" } }));
      assert.match(logs, new RegExp(`\\s${escape(fqdn)}\\s+dns-querier-2`), "the pod's own FQDN in its /etc/hosts");
      assert.match(logs, /^dns-querier-2$/m, "its hostname");
    },
  },
  {
    codename: "[sig-network] DNS should provide DNS for pods for Subdomain [Conformance]",
    async run(ctx) {
      const querier = await headlessWithQuerier(ctx, "dns-test-service-2", "dns-querier-2");
      const sub = `dns-test-service-2.${ctx.namespace}.svc.cluster.local`;
      const fqdn = `dns-querier-2.${sub}`;
      const answers = await lookups(ctx, "dns-test", [{ name: fqdn }, { name: sub }]);
      const ip = new RegExp(`Address:\\s+${escape(querier.status!.podIP!)}`);
      expectAnswers(answers, { [`a ${fqdn}`]: ip, [`a ${sub}`]: ip });
    },
  },
  {
    codename: "[sig-network] DNS should provide DNS for services [Conformance]",
    async run(ctx) {
      await startPod(ctx, webPod("backend", { "dns-test": "true" }));
      await ctx.client.create(SERVICES, ctx.namespace, service("dns-test-service", { clusterIP: "None", selector: { "dns-test": "true" }, ports: [{ name: "http", port: 80, targetPort: 80 }] }));
      const regular = await ctx.client.create<Service>(SERVICES, ctx.namespace, service("test-service-2", { selector: { "dns-test": "true" }, ports: [{ name: "http", port: 80, targetPort: 80 }] }));
      await expectEndpoints(ctx, "dns-test-service", { backend: [80] });
      const ns = ctx.namespace;
      const ip = regular.spec.clusterIP!;
      const reversed = `${ip.split(".").reverse().join(".")}.in-addr.arpa`;
      const answers = await lookups(ctx, "dns-test", [
        { name: `dns-test-service.${ns}.svc.cluster.local` },
        { name: `_http._tcp.dns-test-service.${ns}.svc.cluster.local`, type: "srv" },
        { name: `_http._tcp.test-service-2.${ns}.svc.cluster.local`, type: "srv" },
        { name: reversed, type: "ptr" },
      ]);
      expectAnswers(answers, {
        [`a dns-test-service.${ns}.svc.cluster.local`]: /Address:\s+10\.\d+\.\d+\.\d+/,
        [`srv _http._tcp.dns-test-service.${ns}.svc.cluster.local`]: /\s80\s/,
        [`srv _http._tcp.test-service-2.${ns}.svc.cluster.local`]: new RegExp(`\\s80\\s+test-service-2\\.${escape(ns)}\\.svc\\.cluster\\.local`),
        [`ptr ${reversed}`]: new RegExp(`test-service-2\\.${escape(ns)}\\.svc\\.cluster\\.local`),
      });
    },
  },
  {
    codename: "[sig-network] DNS should resolve DNS of partial qualified names for services [LinuxOnly] [Conformance]",
    async run(ctx) {
      await startPod(ctx, webPod("backend", { "dns-test": "true" }));
      await ctx.client.create(SERVICES, ctx.namespace, service("dns-test-service", { clusterIP: "None", selector: { "dns-test": "true" }, ports: [{ name: "http", port: 80, targetPort: 80 }] }));
      await ctx.client.create(SERVICES, ctx.namespace, service("test-service-2", { selector: { "dns-test": "true" }, ports: [{ name: "http", port: 80, targetPort: 80 }] }));
      await expectEndpoints(ctx, "dns-test-service", { backend: [80] });
      const ns = ctx.namespace;
      const names = ["dns-test-service", `dns-test-service.${ns}`, `dns-test-service.${ns}.svc`, "test-service-2", `test-service-2.${ns}`, `test-service-2.${ns}.svc`];
      const srv = [`_http._tcp.dns-test-service.${ns}.svc`, `_http._tcp.test-service-2.${ns}.svc`];
      const answers = await lookups(ctx, "dns-test", [...names.map((name) => ({ name })), ...srv.map((name) => ({ name, type: "srv" as const }))]);
      expectAnswers(answers, Object.fromEntries([...names.map((n) => [`a ${n}`, /Address:\s+10\.\d+\.\d+\.\d+/]), ...srv.map((n) => [`srv ${n}`, /\s80\s/])]));
    },
  },
  {
    codename: "[sig-network] DNS should provide DNS for ExternalName services [Conformance]",
    async run(ctx) {
      const ns = ctx.namespace;
      const fqdn = `dns-test-service-3.${ns}.svc.cluster.local`;
      await ctx.client.create(SERVICES, ctx.namespace, service("dns-test-service-3", { type: "ExternalName", externalName: "foo.example.com" }));
      expectAnswers(await lookups(ctx, "dns-test-1", [{ name: fqdn, type: "cname" }]), { [`cname ${fqdn}`]: /canonical name = foo\.example\.com/ });
      await ctx.client.patch(SERVICES, ctx.namespace, "dns-test-service-3", "merge", { spec: { externalName: "bar.example.com" } });
      await waitFor("the CNAME to follow the change", async () => {
        const answers = await lookups(ctx, `dns-test-2-${Date.now() % 100000}`, [{ name: fqdn, type: "cname" }]);
        return /canonical name = bar\.example\.com/.test(answers.get(`cname ${fqdn}`) ?? "");
      }, 20_000);
      const updated = await ctx.client.patch<Service>(SERVICES, ctx.namespace, "dns-test-service-3", "merge", { spec: { type: "ClusterIP", externalName: null, ports: [{ name: "http", port: 80, protocol: "TCP" }] } });
      const ip = updated.spec.clusterIP!;
      await waitFor("an A record for the cluster IP", async () => {
        const answers = await lookups(ctx, `dns-test-3-${Date.now() % 100000}`, [{ name: fqdn }]);
        return new RegExp(`Address:\\s+${escape(ip)}`).test(answers.get(`a ${fqdn}`) ?? "");
      }, 20_000);
    },
  },
  {
    codename: "[sig-network] DNS should support configurable pod DNS nameservers [Conformance]",
    async run(ctx) {
      const { logs } = await runToEnd(ctx, shPod("test-dns-nameservers", "cat /etc/resolv.conf", {
        spec: { dnsPolicy: "None", dnsConfig: { nameservers: ["1.1.1.1"], searches: ["resolv.conf.local"], options: [{ name: "ndots", value: "2" }] } },
      }));
      assert.match(logs, /^nameserver 1\.1\.1\.1$/m);
      assert.match(logs, /^search resolv\.conf\.local$/m);
      assert.match(logs, /^options ndots:2$/m);
      assert.doesNotMatch(logs, /10\.96\.0\.10/, "the cluster DNS is not added under dnsPolicy None");
    },
  },
];
