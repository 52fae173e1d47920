import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { create, fromBinary, toBinary, type DescMessage, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import { connectCri, criClient, CriError, RuntimeUnavailableError, unixTarget } from "./cri-client.js";
import { ContainerStatusRequestSchema, ContainerStatusResponseSchema, ContainerState, VersionRequestSchema, VersionResponseSchema } from "./gen/runtime/v1/api_pb.js";

/**
 * A CRI server on a unix socket built from the same generated schemas (the runtime's side of the wire),
 * answering Version with `apiVersion` and ContainerStatus for one id.
 */
async function fakeRuntime(socket: string, apiVersion: string): Promise<grpc.Server> {
  const server = new grpc.Server();
  const register = <I extends DescMessage, O extends DescMessage>(name: string, input: I, output: O, fn: (req: MessageShape<I>) => MessageInitShape<O> | grpc.StatusObject) => {
    server.register<MessageShape<I>, MessageShape<O>>(`/runtime.v1.RuntimeService/${name}`, (call: grpc.ServerUnaryCall<MessageShape<I>, MessageShape<O>>, cb: grpc.sendUnaryData<MessageShape<O>>) => {
      const out = fn(call.request);
      if ("code" in out && "details" in out) cb(out as grpc.StatusObject);
      else cb(null, create(output, out as MessageInitShape<O>));
    }, (o) => Buffer.from(toBinary(output, o)), (b) => fromBinary(input, b), "unary");
  };
  register("Version", VersionRequestSchema, VersionResponseSchema, (req) => ({ version: req.version, runtimeName: "fake", runtimeVersion: "0.0.1", runtimeApiVersion: apiVersion }));
  register("ContainerStatus", ContainerStatusRequestSchema, ContainerStatusResponseSchema, (req) => {
    if (req.containerId !== "c1") return { code: grpc.status.NOT_FOUND, details: `an error occurred when try to find container "${req.containerId}": not found`, metadata: new grpc.Metadata() };
    return { status: { id: "c1", state: ContainerState.CONTAINER_EXITED, exitCode: 137, reason: "OOMKilled", finishedAt: 1_700_000_000_000_000_000n } };
  });
  await new Promise<void>((resolve, reject) => server.bindAsync(`unix://${socket}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
  return server;
}

describe("criClient", () => {
  let dir: string;
  let v1: grpc.Server;
  let old: grpc.Server;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "cri-client-"));
    v1 = await fakeRuntime(join(dir, "v1.sock"), "v1");
    old = await fakeRuntime(join(dir, "old.sock"), "v1alpha2");
  });
  after(() => {
    v1.forceShutdown();
    old.forceShutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it("connectCri returns the runtime's name and version when it speaks CRI v1", async () => {
    const { client, version } = await connectCri(join(dir, "v1.sock"));
    assert.deepEqual(version, { runtimeName: "fake", runtimeVersion: "0.0.1", runtimeApiVersion: "v1" });
    client.close();
  });

  it("connectCri rejects a runtime of another CRI version with one line naming both", async () => {
    await assert.rejects(connectCri(join(dir, "old.sock")), (err: Error) =>
      err instanceof RuntimeUnavailableError && /speaks CRI v1alpha2, not v1/.test(err.message) && !err.message.includes("\n"));
  });

  it("connectCri rejects a missing socket with one line naming the endpoint", async () => {
    await assert.rejects(connectCri(join(dir, "none.sock"), { timeoutMs: 2000 }), (err: Error) =>
      err instanceof RuntimeUnavailableError && err.message.startsWith(`cannot reach the container runtime at unix://${join(dir, "none.sock")}`) && !err.message.includes("\n"));
  });

  it("a typed call decodes int64, enum and string fields by their api.proto numbers", async () => {
    const client = criClient(`unix://${join(dir, "v1.sock")}`);
    const r = await client.runtime.containerStatus({ containerId: "c1" });
    assert.equal(r.status?.state, ContainerState.CONTAINER_EXITED);
    assert.equal(r.status?.exitCode, 137);
    assert.equal(r.status?.reason, "OOMKilled");
    assert.equal(r.status?.finishedAt, 1_700_000_000_000_000_000n);
    client.close();
  });

  it("a failed call rejects with CriError in the kubelet's words", async () => {
    const client = criClient(join(dir, "v1.sock"));
    await assert.rejects(client.runtime.containerStatus({ containerId: "nope" }), (err: Error) =>
      err instanceof CriError && err.code === grpc.status.NOT_FOUND && err.message === `rpc error: code = NotFound desc = an error occurred when try to find container "nope": not found`);
    client.close();
  });

  it("unixTarget accepts paths and unix:// URLs and rejects anything else", () => {
    assert.equal(unixTarget("/run/c.sock"), "unix:///run/c.sock");
    assert.equal(unixTarget("unix:///run/c.sock"), "unix:///run/c.sock");
    assert.throws(() => unixTarget("tcp://1.2.3.4:5"), RuntimeUnavailableError);
  });
});
