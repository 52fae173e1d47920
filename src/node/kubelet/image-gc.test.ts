import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FakeClock } from "../../client/clock.js";
import type { ImageFsUsage, ImageStore, StoredImage } from "../runtime/runtime.js";
import { ImageGCError, ImageGCManager } from "./image-gc.js";

/** An image store in memory: images, the ids containers use, and a filesystem whose usage follows the images. */
class MemoryImageStore implements ImageStore {
  images = new Map<string, StoredImage>();
  used = new Set<string>();
  failing = new Set<string>();
  constructor(readonly capacity: number, readonly otherBytes: number) {}
  add(id: string, size: number, pinned = false) {
    this.images.set(id, { id, size, repoTags: [`${id}:1`], repoDigests: [], pinned });
  }
  list = async () => [...this.images.values()];
  inUse = async () => new Set(this.used);
  remove = async (id: string) => {
    if (this.failing.has(id)) throw new Error(`rpc error: code = Unknown desc = cannot remove ${id}`);
    this.images.delete(id);
  };
  fsUsage = async (): Promise<ImageFsUsage> => {
    const used = this.otherBytes + [...this.images.values()].reduce((n, i) => n + i.size, 0);
    return { mountpoint: "/images", usedBytes: used, capacityBytes: this.capacity, availableBytes: this.capacity - used };
  };
}

const POLICY = { highThresholdPercent: 85, lowThresholdPercent: 80, minAgeMs: 120_000 };

function manager(store: MemoryImageStore, clock = new FakeClock()) {
  const events: Array<[string, string]> = [];
  const gc = new ImageGCManager({ store, policy: POLICY, clock, event: (reason, message) => events.push([reason, message]) });
  return { gc, events, clock };
}

describe("ImageGCManager", () => {
  test("garbageCollect frees down to the low threshold, least recently used first, keeping images in use and pinned", async () => {
    // 1000 bytes: 590 of other data + 310 of images = 90 % used; down to 80 % means freeing 100, which
    // old-unused and last (never used, seen together: list order) make; newer-unused was used since.
    const store = new MemoryImageStore(1000, 590);
    store.add("pause", 50, true);
    store.add("running", 100);
    store.add("old-unused", 60);
    store.add("newer-unused", 60);
    store.add("last", 40);
    store.used.add("running");
    const { gc, events, clock } = manager(store);
    await gc.detect(clock.now());
    clock.advance(60_000);
    store.used.add("newer-unused"); // used a minute in: more recently used than old-unused and last
    await gc.detect(clock.now());
    store.used.delete("newer-unused");
    clock.advance(5 * 60_000);
    await gc.garbageCollect();
    assert.deepEqual([...store.images.keys()].sort(), ["newer-unused", "pause", "running"]);
    assert.deepEqual(events, []);
  });

  test("garbageCollect leaves images first seen less than the minimum age ago, and says so with FreeDiskSpaceFailed", async () => {
    const store = new MemoryImageStore(1000, 800);
    store.add("present-at-start", 40);
    const { gc, events, clock } = manager(store);
    await gc.detect(clock.now());
    store.add("just-pulled", 100);
    clock.advance(60_000);
    await assert.rejects(gc.garbageCollect(), ImageGCError);
    assert.deepEqual([...store.images.keys()], ["just-pulled"]);
    // 94 % used: 940 − 800 = 140 to free, 40 found.
    assert.deepEqual(events, [["FreeDiskSpaceFailed", "Failed to garbage collect required amount of images. Attempted to free 140 bytes, but only found 40 bytes eligible to free."]]);
    clock.advance(2 * 60_000);
    await gc.garbageCollect();
    assert.deepEqual([...store.images.keys()], []);
  });

  test("garbageCollect does nothing below the high threshold", async () => {
    const store = new MemoryImageStore(1000, 700);
    store.add("a", 100);
    const { gc, events } = manager(store);
    await gc.garbageCollect();
    assert.deepEqual([...store.images.keys()], ["a"]);
    assert.deepEqual(events, []);
  });

  test("garbageCollect goes on past an image that can't be removed, then reports the errors", async () => {
    const store = new MemoryImageStore(1000, 800);
    store.add("stuck", 100);
    store.add("b", 100);
    store.failing.add("stuck");
    const { gc } = manager(store);
    await assert.rejects(gc.garbageCollect(), /^ImageGCError: wanted to free 200 bytes, but freed 100 bytes space with errors in image deletion: .*cannot remove stuck/);
    assert.deepEqual([...store.images.keys()], ["stuck"]);
  });

  test("run: ImageGCFailed only when GC fails twice in a row; a high threshold of 100 turns GC off", async () => {
    const store = new MemoryImageStore(1000, 990);
    const { gc, events, clock } = manager(store);
    const stop = new AbortController();
    const running = gc.run(stop.signal, 1000);
    const settle = () => new Promise((r) => setImmediate(r));
    await settle();
    clock.advance(1000);
    await settle();
    assert.deepEqual(events.map((e) => e[0]), ["FreeDiskSpaceFailed"]);
    clock.advance(1000);
    await settle();
    assert.deepEqual(events.map((e) => e[0]), ["FreeDiskSpaceFailed", "FreeDiskSpaceFailed", "ImageGCFailed"]);
    stop.abort();
    await running;

    const off = new ImageGCManager({ store, policy: { ...POLICY, highThresholdPercent: 100 }, clock, event: () => assert.fail("no GC when off") });
    await off.run(new AbortController().signal, 1000);
  });
});
