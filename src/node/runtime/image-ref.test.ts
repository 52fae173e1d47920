import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { normalizeImageRef } from "./image-ref.js";

describe("normalizeImageRef", () => {
  const cases: Array<{ ref: string; want: string }> = [
    { ref: "busybox", want: "docker.io/library/busybox:latest" },
    { ref: "busybox:1.36", want: "docker.io/library/busybox:1.36" },
    { ref: "ikubernetes/myapp:v1", want: "docker.io/ikubernetes/myapp:v1" },
    { ref: "docker.io/nginx", want: "docker.io/library/nginx:latest" },
    { ref: "127.0.0.1:5000/web:1", want: "127.0.0.1:5000/web:1" },
    { ref: "localhost/web", want: "localhost/web:latest" },
    { ref: "registry.k8s.io/pause:3.9", want: "registry.k8s.io/pause:3.9" },
    { ref: "web@sha256:abc", want: "docker.io/library/web@sha256:abc" },
  ];
  for (const c of cases) it(`normalizes ${c.ref} to containerd's full name`, () => assert.equal(normalizeImageRef(c.ref), c.want));
});
