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
});
