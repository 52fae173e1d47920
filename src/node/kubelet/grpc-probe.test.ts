import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createServer } from "node:net";
import { Server, ServerCredentials, status, type sendUnaryData, type ServerUnaryCall, type UntypedServiceImplementation } from "@grpc/grpc-js";
import { decodeHealthCheckResponse, encodeHealthCheckRequest, grpcProbe } from "./grpc-probe.js";

/** The test server's side of grpc.health.v1: HealthCheckRequest's service in, HealthCheckResponse's status out. */
const decodeRequest = (b: Buffer): { service: string } => ({ service: b.length > 2 ? b.subarray(2).toString("utf8") : "" });
const encodeResponse = (n: number): Buffer => Buffer.from([0x08, n]);
const CHECK = { path: "/grpc.health.v1.Health/Check", requestStream: false, responseStream: false, requestSerialize: (r: { service: string }) => encodeHealthCheckRequest(r.service), requestDeserialize: decodeRequest, responseSerialize: encodeResponse, responseDeserialize: decodeHealthCheckResponse };

/** A real grpc-js server; with `health`, it serves grpc.health.v1.Health/Check by service name. */
async function startServer(health: boolean): Promise<{ server: Server; port: number }> {
  const server = new Server();
  if (health) {
    const statuses: Record<string, number> = { "": 1, up: 1, down: 2 };
    const impl: UntypedServiceImplementation = {
      Check: (call: ServerUnaryCall<{ service: string }, number>, reply: sendUnaryData<number>) => {
        if (call.request.service === "slow") return; // never answers
        const s = statuses[call.request.service];
        if (s === undefined) reply({ code: status.NOT_FOUND, details: "unknown service" });
        else reply(null, s);
      },
    };
    server.addService({ Check: CHECK }, impl);
  }
  const port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return { server, port };
}

/** A port nothing listens on: bound, noted and released. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

describe("grpcProbe", () => {
  let healthy: { server: Server; port: number };
  let bare: { server: Server; port: number };
  before(async () => {
    healthy = await startServer(true);
    bare = await startServer(false);
  });
  after(() => {
    healthy.server.forceShutdown();
    bare.server.forceShutdown();
  });

  test("passes when the server answers SERVING, for the whole server and for a named service", async () => {
    assert.deepEqual(await grpcProbe({ port: healthy.port }, "127.0.0.1", 1000), { ok: true, output: "service healthy" });
    assert.deepEqual(await grpcProbe({ port: healthy.port, service: "up" }, "127.0.0.1", 1000), { ok: true, output: "service healthy" });
  });

  test("fails with upstream's message when the service is NOT_SERVING", async () => {
    assert.deepEqual(await grpcProbe({ port: healthy.port, service: "down" }, "127.0.0.1", 1000), { ok: false, output: 'service unhealthy (responded with "NOT_SERVING")' });
  });

  test("fails with the rpc error, worded as grpc-go's, when the server refuses the service", async () => {
    assert.deepEqual(await grpcProbe({ port: healthy.port, service: "nosuch" }, "127.0.0.1", 1000), { ok: false, output: "error: health rpc probe failed: rpc error: code = NotFound desc = unknown service" });
  });

  test("fails when the server does not implement grpc.health.v1.Health", async () => {
    const r = await grpcProbe({ port: bare.port }, "127.0.0.1", 1000);
    assert.equal(r.ok, false);
    assert.match(r.output, /^error: this server does not implement the grpc health protocol \(grpc\.health\.v1\.Health\): /);
  });

  test("fails with a timeout when the call does not complete within timeoutSeconds", async () => {
    assert.deepEqual(await grpcProbe({ port: healthy.port, service: "slow" }, "127.0.0.1", 1000), { ok: false, output: "timeout: health rpc did not complete within 1s" });
  });

  test("fails with a connection timeout when nothing listens on the port", async () => {
    const port = await closedPort();
    assert.deepEqual(await grpcProbe({ port }, "127.0.0.1", 1000), { ok: false, output: `timeout: failed to connect service "127.0.0.1:${port}" within 1s: context deadline exceeded` });
  });
});

describe("HealthCheck messages", () => {
  test("encodeHealthCheckRequest writes field 1 only for a named service", () => {
    assert.deepEqual(encodeHealthCheckRequest(""), Buffer.alloc(0));
    assert.deepEqual(encodeHealthCheckRequest("up"), Buffer.from([0x0a, 2, 0x75, 0x70]));
  });

  test("decodeHealthCheckResponse reads the status and skips unknown fields", () => {
    assert.deepEqual(decodeHealthCheckResponse(Buffer.alloc(0)), { status: 0 });
    assert.deepEqual(decodeHealthCheckResponse(Buffer.from([0x12, 1, 0x41, 0x08, 2])), { status: 2 });
  });
});
