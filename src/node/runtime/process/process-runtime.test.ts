import { spawnSync } from "node:child_process";
import { after, describe } from "node:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runtimeConformance } from "../conformance.js";
import { ImageCatalog } from "./catalog.js";
import { canIsolatePods, CniNetwork, DEFAULT_CNI_PATH } from "./network.js";
import { ProcessRuntime } from "./process-runtime.js";

describe("ProcessRuntime on the host network", () => {
  runtimeConformance(async () => new ProcessRuntime({ stateDir: mkdtempSync(join(tmpdir(), "tug-rt-")), catalog: new ImageCatalog(), hostIP: "127.0.0.1" }));
});

describe("ProcessRuntime with pod namespaces and a CNI bridge", { skip: !canIsolatePods() && "needs root and /usr/lib/cni" }, () => {
  runtimeConformance(async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "tug-rt-"));
    // Outside 10.88.0.0/16, where the node agents of clusters running beside this test pick their subnets.
    const network = new CniNetwork({ cniPath: DEFAULT_CNI_PATH, bridge: "tugtest0", subnet: "10.89.250.0/24", stateDir: join(stateDir, "cni") });
    return new ProcessRuntime({ stateDir, catalog: new ImageCatalog(), hostIP: "127.0.0.1", network });
  });
  after(() => spawnSync("ip", ["link", "delete", "tugtest0"]));
});
