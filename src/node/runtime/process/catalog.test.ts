import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ImageCatalog, parseImageRef } from "./catalog.js";

describe("parseImageRef", () => {
  const cases: Array<[string, string, string]> = [
    ["nginx", "nginx", "latest"],
    ["nginx:1.18", "nginx", "1.18"],
    ["docker.io/library/nginx:1.18", "nginx", "1.18"],
    ["ikubernetes/myapp:v1", "ikubernetes/myapp", "v1"],
    ["localhost:5000/app", "localhost:5000/app", "latest"],
    ["registry.cn-beijing.aliyuncs.com/chester-k8s/oneapi:latest", "registry.cn-beijing.aliyuncs.com/chester-k8s/oneapi", "latest"],
    ["busybox@sha256:abc", "busybox", "latest"],
  ];
  for (const [ref, repository, tag] of cases) test(ref, () => assert.deepEqual(parseImageRef(ref), { repository, tag }));
});

describe("ImageCatalog.resolve", () => {
  const file = join(mkdtempSync(join(tmpdir(), "tug-cat-")), "images.yaml");
  writeFileSync(file, "- image: myorg/api:1.0\n  command: [/usr/bin/env]\n  args: [FOO=1]\n  env: {MODE: prod}\n  workingDir: /tmp\n- image: myorg/nonroot:1.0\n  command: [/usr/bin/id]\n  user: 1000\n");
  const catalog = new ImageCatalog({ demoAppPath: "/demo.js", userImagesFile: file });

  test("demo images run the demo app with their flavour, version and port", () => {
    const spec = catalog.resolve("ikubernetes/demoapp:v1.0")!;
    assert.deepEqual(spec.entrypoint, [process.execPath, "/demo.js"]);
    assert.deepEqual(spec.env, { TUG_DEMO_FLAVOR: "demoapp", TUG_DEMO_VERSION: "v1.0", TUG_DEMO_IMAGE: "ikubernetes/demoapp:v1.0", PORT: "80" });
    assert.equal(catalog.resolve("nginx:1.18")!.env.TUG_DEMO_VERSION, "1.18.0");
    assert.equal(catalog.resolve("registry.cn-beijing.aliyuncs.com/chester-k8s/twoapi:latest")!.env.PORT, "5001");
  });
  test("busybox-like images default to sh; user images come from images.yaml; others do not exist", () => {
    assert.deepEqual(catalog.resolve("busybox:1.36")!.cmd, ["sh"]);
    assert.deepEqual(catalog.resolve("myorg/api:1.0"), { entrypoint: ["/usr/bin/env"], cmd: ["FOO=1"], env: { MODE: "prod" }, workingDir: "/tmp" });
    assert.equal(catalog.resolve("myorg/nonroot:1.0")!.user, "1000", "an image's USER, which runAsNonRoot checks");
    assert.equal(catalog.resolve("myorg/api:2.0"), undefined);
    assert.equal(catalog.resolve("nosuch/image"), undefined);
  });
});
