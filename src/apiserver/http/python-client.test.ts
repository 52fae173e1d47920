import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { startTestServer } from "../testing.js";

const PYTHON = "/usr/bin/python3";

function pythonKubernetes(): string | undefined {
  try {
    execFileSync(PYTHON, ["-c", "import kubernetes"], { stdio: "ignore" });
    return undefined;
  } catch {
    return `${PYTHON} with Debian's python3-kubernetes is not installed (apt-get install -y python3-kubernetes)`;
  }
}

/** Python's watch.Watch().stream sends `watch=True`; it must see the existing and the new ConfigMap as ADDED. */
const SCRIPT = `
import sys, threading
from kubernetes import client, watch
cfg = client.Configuration()
cfg.host = sys.argv[1]
v1 = client.CoreV1Api(client.ApiClient(cfg))
v1.create_namespaced_config_map("default", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="py-before")))
w = watch.Watch()
for i, ev in enumerate(w.stream(v1.list_namespaced_config_map, "default", timeout_seconds=30)):
    print(ev["type"], ev["object"].metadata.name, flush=True)
    if ev["object"].metadata.name == "py-before":
        threading.Thread(target=lambda: v1.create_namespaced_config_map("default", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="py-after")))).start()
    if ev["object"].metadata.name == "py-after":
        w.stop()
`;

/** The dynamic client's server_side_apply (22.x takes the body serialized, with the name given apart). */
const APPLY_SCRIPT = `
import sys, json
from kubernetes import client, dynamic
from kubernetes.client.rest import ApiException
cfg = client.Configuration()
cfg.host = sys.argv[1]
cms = dynamic.DynamicClient(client.ApiClient(cfg)).resources.get(api_version="v1", kind="ConfigMap")
body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "py-applied", "namespace": "default"}, "data": {"a": "1"}}
apply = lambda manager, **kw: cms.server_side_apply(body=json.dumps(body), name="py-applied", namespace="default", field_manager=manager, **kw)
obj = apply("py")
print("APPLIED", obj.data.a, [(m.manager, m.operation) for m in obj.metadata.managedFields])
body["data"] = {"a": "2"}
try:
    apply("other")
except ApiException as e:
    print("CONFLICT", e.status)
print("FORCED", apply("other", force_conflicts=True).data.a)
`;

describe("the Python client (python3-kubernetes)", { skip: pythonKubernetes() }, () => {
  let t: Awaited<ReturnType<typeof startTestServer>>;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => {
    await t.close();
  });

  test("watch.Watch().stream(list_namespaced_config_map) sees ADDED events", async () => {
    const out = await new Promise<string>((resolve, reject) => {
      execFile(PYTHON, ["-c", SCRIPT, t.base], { timeout: 60_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
    });
    assert.deepEqual(out.trim().split("\n"), ["ADDED py-before", "ADDED py-after"]);
  });

  test("DynamicClient.server_side_apply creates, conflicts with another manager (409) and forces", async () => {
    const out = await new Promise<string>((resolve, reject) => {
      execFile(PYTHON, ["-c", APPLY_SCRIPT, t.base], { timeout: 60_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
    });
    assert.deepEqual(out.trim().split("\n"), ["APPLIED 1 [('py', 'Apply')]", "CONFLICT 409", "FORCED 2"]);
  });
});
