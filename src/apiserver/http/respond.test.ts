import { test } from "node:test";
import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { toStatusError } from "./respond.js";
import { EtcdClient, EtcdUnavailableError } from "../../store/etcd/client.js";

test("toStatusError answers etcd without quorum as kube-apiserver does: 500, etcd's words, no reason", () => {
  const timedOut = Object.assign(new Error("14 UNAVAILABLE: etcdserver: request timed out"), { code: grpc.status.UNAVAILABLE, details: "etcdserver: request timed out" });
  assert.deepEqual(toStatusError(new EtcdUnavailableError("/etcdserverpb.KV/Txn", timedOut)).toStatus(), {
    kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "etcdserver: request timed out", code: 500,
  });
  // No member answered before the call's deadline: what clientv3 reports then.
  const deadline = Object.assign(new Error("4 DEADLINE_EXCEEDED: Deadline exceeded after 10.001s"), { code: grpc.status.DEADLINE_EXCEEDED, details: "Deadline exceeded after 10.001s" });
  assert.equal(toStatusError(new EtcdUnavailableError("/etcdserverpb.KV/Txn", deadline)).message, "context deadline exceeded");
});

test("EtcdClient reports a member's own deadline (UNKNOWN \"context deadline exceeded\") as EtcdUnavailableError, which answers 500", async () => {
  // A member that answers every call as etcd does when the caller's deadline passed on its side first.
  const server = new grpc.Server();
  server.register("/etcdserverpb.KV/Range", (_call: unknown, callback: grpc.sendUnaryData<Buffer>) => callback({ code: grpc.status.UNKNOWN, details: "context deadline exceeded" }), (b: Buffer) => b, (b: Buffer) => b, "unary");
  const port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  const client = new EtcdClient({ endpoints: [`http://127.0.0.1:${port}`], timeoutMs: 2_000 });
  try {
    const err = await client.range({ key: new Uint8Array([1]) }).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof EtcdUnavailableError, String(err));
    assert.deepEqual([toStatusError(err).code, toStatusError(err).message], [500, "context deadline exceeded"]);
  } finally {
    client.close();
    server.forceShutdown();
  }
});
