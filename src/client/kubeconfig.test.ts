import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { stringify } from "yaml";
import { kubeconfigFiles, KubeconfigError, loadKubeconfig, loadKubeconfigFiles } from "./kubeconfig.js";

const CA = "-----BEGIN CERTIFICATE-----\nY2E=\n-----END CERTIFICATE-----\n";
const CERT = "-----BEGIN CERTIFICATE-----\nY2VydA==\n-----END CERTIFICATE-----\n";
const KEY = "-----BEGIN PRIVATE KEY-----\na2V5\n-----END PRIVATE KEY-----\n";
const b64 = (s: string) => Buffer.from(s).toString("base64");

function config(clusters: unknown[], users: unknown[], contexts: unknown[], current?: string): string {
  return stringify({ apiVersion: "v1", kind: "Config", clusters, users, contexts, ...(current ? { "current-context": current } : {}) });
}

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "tug-kubeconfig-"));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const one = (user: Record<string, unknown>, cluster: Record<string, unknown> = { server: "https://127.0.0.1:6443", "certificate-authority-data": b64(CA) }) =>
  config([{ name: "c", cluster }], [{ name: "u", user }], [{ name: "x", context: { cluster: "c", user: "u", namespace: "shop" } }], "x");

describe("loadKubeconfig", () => {
  test("loadKubeconfig reads client-certificate-data, client-key-data and certificate-authority-data", () => withDir((dir) => {
    writeFileSync(join(dir, "config"), one({ "client-certificate-data": b64(CERT), "client-key-data": b64(KEY) }));
    assert.deepEqual(loadKubeconfig(join(dir, "config")), { server: "https://127.0.0.1:6443", context: "x", ca: CA, cert: CERT, key: KEY, namespace: "shop" });
  }));

  test("loadKubeconfig reads client-certificate, client-key and certificate-authority files, relative to the kubeconfig", () => withDir((dir) => {
    mkdirSync(join(dir, "pki"));
    writeFileSync(join(dir, "pki", "ca.crt"), CA);
    writeFileSync(join(dir, "pki", "me.crt"), CERT);
    writeFileSync(join(dir, "me.key"), KEY);
    writeFileSync(join(dir, "config"), one({ "client-certificate": "pki/me.crt", "client-key": join(dir, "me.key") }, { server: "https://h:1", "certificate-authority": "pki/ca.crt" }));
    const c = loadKubeconfig(join(dir, "config"));
    assert.deepEqual([c.ca, c.cert, c.key], [CA, CERT, KEY]);
  }));

  test("loadKubeconfig reads token, and tokenFile over token", () => withDir((dir) => {
    writeFileSync(join(dir, "config"), one({ token: "abc" }));
    assert.equal(loadKubeconfig(join(dir, "config")).token, "abc");
    writeFileSync(join(dir, "tok"), "from-file\n");
    writeFileSync(join(dir, "config"), one({ token: "abc", tokenFile: "tok" }));
    assert.equal(loadKubeconfig(join(dir, "config")).token, "from-file");
  }));

  test("loadKubeconfig reads insecure-skip-tls-verify and tls-server-name", () => withDir((dir) => {
    writeFileSync(join(dir, "config"), one({}, { server: "https://10.0.0.1:6443", "insecure-skip-tls-verify": true, "tls-server-name": "kubernetes" }));
    const c = loadKubeconfig(join(dir, "config"));
    assert.deepEqual([c.insecureSkipTLSVerify, c.tlsServerName, c.ca, c.token, c.cert], [true, "kubernetes", undefined, undefined, undefined]);
  }));

  test("loadKubeconfig takes the context asked for over current-context", () => withDir((dir) => {
    writeFileSync(join(dir, "config"), config(
      [{ name: "a", cluster: { server: "https://a:1" } }, { name: "b", cluster: { server: "https://b:2" } }],
      [{ name: "u", user: { token: "t" } }],
      [{ name: "ca", context: { cluster: "a", user: "u" } }, { name: "cb", context: { cluster: "b", user: "u" } }], "ca"));
    assert.equal(loadKubeconfig(join(dir, "config")).server, "https://a:1");
    assert.equal(loadKubeconfig(join(dir, "config"), { context: "cb" }).server, "https://b:2");
  }));

  test("loadKubeconfig merges $KUBECONFIG's files, the first to name an entry or set current-context winning; missing files skipped", () => withDir((dir) => {
    const first = join(dir, "first");
    const second = join(dir, "second");
    writeFileSync(first, config([{ name: "c", cluster: { server: "https://first:1" } }], [], [], undefined));
    writeFileSync(second, config(
      [{ name: "c", cluster: { server: "https://second:2" } }],
      [{ name: "u", user: { token: "second-token" } }],
      [{ name: "x", context: { cluster: "c", user: "u" } }], "x"));
    const env = { KUBECONFIG: [join(dir, "missing"), first, second].join(delimiter) };
    assert.deepEqual(loadKubeconfig(undefined, { env }), { server: "https://first:1", context: "x", token: "second-token" });
  }));

  test("kubeconfigFiles: --kubeconfig alone, else $KUBECONFIG's list, else ~/.kube/config", () => {
    assert.deepEqual(kubeconfigFiles("/x", { KUBECONFIG: "/a" }), { files: ["/x"], mustExist: true });
    assert.deepEqual(kubeconfigFiles(undefined, { KUBECONFIG: `/a${delimiter}${delimiter}/b${delimiter}/a` }), { files: ["/a", "/b"], mustExist: false });
    assert.deepEqual(kubeconfigFiles(undefined, {}, "/home/u"), { files: ["/home/u/.kube/config"], mustExist: true });
  });

  const malformed: Array<{ name: string; text: string; message: RegExp }> = [
    { name: "YAML that does not parse", text: "clusters: [unclosed", message: /is not valid YAML/ },
    { name: "a list, not a mapping", text: "- a\n- b\n", message: /is not a mapping/ },
    { name: "no current-context", text: one({}).replace(/current-context: x\n/, ""), message: /current-context is not set/ },
    { name: "a current-context that does not exist", text: one({}).replace("current-context: x", "current-context: nope"), message: /context "nope" does not exist/ },
    { name: "a context naming a missing cluster", text: config([], [], [{ name: "x", context: { cluster: "gone" } }], "x"), message: /names cluster "gone", which does not exist/ },
    { name: "a cluster without a server", text: one({}, {}), message: /has no server/ },
    { name: "a server that is not a URL", text: one({}, { server: "not a url" }), message: /not a URL/ },
    { name: "clusters that are not a list", text: "clusters: 3\ncurrent-context: x\n", message: /clusters must be a list/ },
    { name: "an entry without a name", text: "clusters: [{cluster: {server: 'https://a'}}]\n", message: /needs a name/ },
    { name: "certificate data that is not base64 PEM", text: one({ "client-certificate-data": "!!!", "client-key-data": b64(KEY) }), message: /client-certificate-data is not base64 of a PEM block/ },
    { name: "a certificate without its key", text: one({ "client-certificate-data": b64(CERT) }), message: /without its key/ },
    { name: "a missing certificate file", text: one({ "client-certificate": "/nope/x.crt", "client-key": "/nope/x.key" }), message: /cannot read client-certificate "\/nope\/x.crt": no such file/ },
    { name: "an exec plugin", text: one({ exec: { command: "aws" } }), message: /exec or auth-provider plugin/ },
    { name: "a token that is not a string", text: one({ token: ["a"] }), message: /token must be a string/ },
  ];
  for (const c of malformed) {
    test(`loadKubeconfig refuses ${c.name} with one clear KubeconfigError`, () => withDir((dir) => {
      writeFileSync(join(dir, "config"), c.text);
      assert.throws(() => loadKubeconfig(join(dir, "config")), (err: unknown) => {
        assert.ok(err instanceof KubeconfigError, String(err));
        assert.match(err.message, c.message);
        assert.ok(!err.message.includes("\n"), `one line: ${err.message}`);
        return true;
      });
    }));
  }

  test("loadKubeconfig of a file that is not there says so; $KUBECONFIG with only missing files too", () => withDir((dir) => {
    assert.throws(() => loadKubeconfig(join(dir, "nope")), /cannot read kubeconfig ".*nope": no such file/);
    assert.throws(() => loadKubeconfigFiles([join(dir, "a"), join(dir, "b")]), /no kubeconfig found/);
  }));
});
