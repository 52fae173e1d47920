import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { StoredImage } from "../runtime/runtime.js";
import { nodeStatusImages } from "./node-images.js";

function image(id: string, size: number, repoTags: string[] = [], repoDigests: string[] = []): StoredImage {
  return { id, size, repoTags, repoDigests, pinned: false };
}

describe("nodeStatusImages", () => {
  test("largest first, equal sizes by id descending", () => {
    const images = [image("sha256:a", 10, ["a:1"]), image("sha256:c", 30, ["c:1"]), image("sha256:b", 10, ["b:1"])];
    assert.deepEqual(nodeStatusImages(images).map((i) => i.names[0]), ["c:1", "b:1", "a:1"]);
  });

  test("names are the repo digests, then the repo tags, at most five", () => {
    const tags = ["r/x:1", "r/x:2", "r/x:3", "r/x:4"];
    const digests = ["r/x@sha256:1111", "r/x@sha256:2222"];
    assert.deepEqual(nodeStatusImages([image("sha256:x", 7, tags, digests)]), [
      { names: ["r/x@sha256:1111", "r/x@sha256:2222", "r/x:1", "r/x:2", "r/x:3"], sizeBytes: 7 },
    ]);
  });

  const many = Array.from({ length: 60 }, (_, n) => image(`sha256:${n}`, 1000 - n, [`img:${n}`]));
  const cases = [
    { name: "capped at 50 by default (upstream's --node-status-max-images)", max: undefined, want: 50 },
    { name: "capped at the flag's value", max: 3, want: 3 },
    { name: "0 reports none", max: 0, want: 0 },
    { name: "-1 reports every image", max: -1, want: 60 },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const out = nodeStatusImages(many, c.max);
      assert.equal(out.length, c.want);
      if (c.want > 0) assert.deepEqual(out[0], { names: ["img:0"], sizeBytes: 1000 });
    });
  }
});
