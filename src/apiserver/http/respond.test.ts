import { test } from "node:test";
import assert from "node:assert/strict";
import { status as grpcStatus } from "@grpc/grpc-js";
import { toStatusError } from "./respond.js";
import { EtcdUnavailableError } from "../../store/etcd/client.js";

test("toStatusError answers etcd without quorum as kube-apiserver does: 500, etcd's words, no reason", () => {
  const timedOut = Object.assign(new Error("14 UNAVAILABLE: etcdserver: request timed out"), { code: grpcStatus.UNAVAILABLE, details: "etcdserver: request timed out" });
  assert.deepEqual(toStatusError(new EtcdUnavailableError("/etcdserverpb.KV/Txn", timedOut)).toStatus(), {
    kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "etcdserver: request timed out", code: 500,
  });
  // No member answered before the call's deadline: what clientv3 reports then.
  const deadline = Object.assign(new Error("4 DEADLINE_EXCEEDED: Deadline exceeded after 10.001s"), { code: grpcStatus.DEADLINE_EXCEEDED, details: "Deadline exceeded after 10.001s" });
  assert.equal(toStatusError(new EtcdUnavailableError("/etcdserverpb.KV/Txn", deadline)).message, "context deadline exceeded");
});
