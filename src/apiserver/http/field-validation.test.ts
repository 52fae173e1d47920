import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startTestServer } from "../testing.js";

const DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments";

/** Upstream's conformance body: an unknown field, then `replicas` twice. */
const deploymentJson = (name: string) => `{
  "apiVersion": "apps/v1", "kind": "Deployment",
  "metadata": {"name": "${name}", "labels": {"app": "nginx"}},
  "spec": {"unknownField": "foo", "replicas": 2, "replicas": 3, "selector": {"matchLabels": {"app": "nginx"}},
    "template": {"metadata": {"labels": {"app": "nginx"}}, "spec": {"containers": [{"name": "nginx", "image": "nginx:latest"}]}}}
}`;

const deploymentYaml = (name: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  unknownField: foo
  replicas: 2
  replicas: 3
  selector: {matchLabels: {app: nginx}}
  template:
    metadata: {labels: {app: nginx}}
    spec: {containers: [{name: nginx, image: "nginx:latest"}]}
`;

describe("fieldValidation of duplicate fields", () => {
  let t: Awaited<ReturnType<typeof startTestServer>>;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.close());

  async function send(method: string, path: string, body: string, contentType = "application/json") {
    const res = await fetch(t.base + path, { method, headers: { "Content-Type": contentType }, body });
    return { status: res.status, warnings: res.headers.get("warning") ?? "", body: (await res.json()) as { message?: string; spec?: { replicas?: number } } };
  }

  test("Strict refuses a JSON body with a 400 listing unknown and duplicate fields in document order, as upstream", async () => {
    const r = await send("POST", `${DEPLOYMENTS}?fieldValidation=Strict`, deploymentJson("strict"));
    assert.equal(r.status, 400);
    assert.equal(r.body.message, 'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.unknownField", duplicate field "spec.replicas"');
    assert.equal((await t.call("GET", `${DEPLOYMENTS}/strict`)).status, 404, "nothing was written");
  });

  test("Strict refuses a YAML body with go-yaml's duplicate-key error first", async () => {
    const r = await send("POST", `${DEPLOYMENTS}?fieldValidation=Strict`, deploymentYaml("strict-yaml"), "application/yaml");
    assert.equal(r.status, 400);
    assert.equal(r.body.message, 'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: yaml: unmarshal errors:\n  line 8: key "replicas" already set in map, unknown field "spec.unknownField"');
  });

  test("Warn (the default) writes the object with the last value and warns about each field", async () => {
    for (const [name, query] of [["warn", "?fieldValidation=Warn"], ["default", ""]] as const) {
      const r = await send("POST", `${DEPLOYMENTS}${query}`, deploymentJson(name));
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.equal(r.body.spec?.replicas, 3);
      assert.equal(r.warnings, '299 - "unknown field \\"spec.unknownField\\"", 299 - "duplicate field \\"spec.replicas\\""');
    }
  });

  test("Ignore writes the object without a warning", async () => {
    const r = await send("POST", `${DEPLOYMENTS}?fieldValidation=Ignore`, deploymentJson("ignore"));
    assert.equal(r.status, 201);
    assert.equal(r.warnings, "");
  });

  test("Strict refuses an update (PUT) with a duplicate field too", async () => {
    const current = (await t.call("GET", `${DEPLOYMENTS}/ignore`)).body as { metadata: { resourceVersion: string } };
    const body = deploymentJson("ignore").replace('"name": "ignore"', `"name": "ignore", "resourceVersion": "${current.metadata.resourceVersion}"`).replace('"unknownField": "foo", ', "");
    const r = await send("PUT", `${DEPLOYMENTS}/ignore?fieldValidation=Strict`, body);
    assert.equal(r.status, 400);
    assert.match(r.body.message ?? "", /strict decoding error: duplicate field "spec\.replicas"$/);
  });
});
