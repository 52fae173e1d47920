import { test } from "node:test";
import assert from "node:assert/strict";
import { storeChoice, StoreFlagError } from "./store.js";

test("storeChoice defaults to sqlite, and to etcd when --etcd-servers is given", () => {
  assert.deepEqual(storeChoice({}), { kind: "sqlite" });
  assert.deepEqual(storeChoice({ store: "memory" }), { kind: "memory" });
  assert.deepEqual(storeChoice({ "etcd-servers": "https://a:2379, https://b:2379", "etcd-cafile": "/ca", "etcd-certfile": "/c", "etcd-keyfile": "/k" }), {
    kind: "etcd", servers: ["https://a:2379", "https://b:2379"], caFile: "/ca", certFile: "/c", keyFile: "/k", prefix: "/registry",
  });
  assert.equal((storeChoice({ store: "etcd", "etcd-servers": "http://127.0.0.1:2379", "etcd-prefix": "/tug/" }) as { prefix: string }).prefix, "/tug");
});

test("storeChoice rejects flags that do not go together", () => {
  for (const [flags, message] of [
    [{ store: "etcd" }, /needs --etcd-servers/],
    [{ store: "sqlite", "etcd-servers": "http://a:2379" }, /--etcd-servers needs --store etcd/],
    [{ store: "etcd", "etcd-servers": "a:2379" }, /not an http/],
    [{ "etcd-servers": "http://a:2379", "etcd-certfile": "/c" }, /go together/],
    [{ "etcd-servers": "http://a:2379", "etcd-prefix": "registry" }, /must start with \//],
    [{ store: "mongo" }, /unknown store "mongo"/],
  ] as const) {
    assert.throws(() => storeChoice(flags), (e) => e instanceof StoreFlagError && message.test(e.message));
  }
});
