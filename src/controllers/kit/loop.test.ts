import { test } from "node:test";
import assert from "node:assert/strict";
import { ReconcileLoop } from "./loop.js";

test("a busy worker lets timers run between keys", async () => {
  const stop = new AbortController();
  let syncs = 0;
  // Every sync queues its key again, so the queue is never empty: without a turn between keys the worker
  // would run in one unbroken chain of microtasks and the timer below would never fire.
  const loop: ReconcileLoop = new ReconcileLoop({
    name: "busy", workers: 1,
    sync: async () => {
      syncs++;
      loop.enqueue("k");
    },
  });
  loop.enqueue("k");
  const running = loop.run(stop.signal);
  await new Promise((resolve) => setTimeout(resolve, 5));
  stop.abort();
  await running;
  assert.ok(syncs > 1, `${syncs} syncs`);
});
