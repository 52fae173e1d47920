import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteStore } from "../../store/sqlite.js";
import { ApiServer } from "../server.js";
import { generateServingCerts } from "../tls.js";

/**
 * A client in its own process, as kubectl or Python would be (in this process, the server's drain and
 * the client's next request could never race): sequential POSTs of `size` bytes on one keep-alive
 * HTTP/1.1 connection; prints how many failed, and how.
 */
const CLIENT = `
import https from "node:https";
const [port, size, n] = process.argv.slice(1).map(Number);
const agent = new https.Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
const errors = {};
let sockets = 0;
for (let i = 0; i < n; i++) {
  const body = JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "big-" + i }, data: { a: "x".repeat(size) } });
  try {
    await new Promise((resolve, reject) => {
      const req = https.request({ host: "127.0.0.1", port, method: "POST", path: "/api/v1/namespaces/default/configmaps", agent,
        headers: { "content-type": "application/json", authorization: "Bearer t0ken" } }, (res) => {
        res.resume();
        res.on("end", () => (res.statusCode === 201 ? resolve() : reject(new Error("HTTP " + res.statusCode))));
      });
      req.on("socket", (s) => { if (!s.counted) { s.counted = true; sockets++; } });
      req.on("error", reject);
      req.end(body);
    });
  } catch (err) {
    const why = err.code ?? err.message;
    errors[why] = (errors[why] ?? 0) + 1;
  }
}
agent.destroy();
console.log(JSON.stringify({ errors, sockets }));
`;

describe("Listener over HTTPS", () => {
  let server: ApiServer;
  let store: SqliteStore;
  let port: number;
  const dir = mkdtempSync(join(tmpdir(), "tug-listener-"));
  before(async () => {
    store = new SqliteStore(join(dir, "state.sqlite"));
    server = new ApiServer({ store, certs: await generateServingCerts(["127.0.0.1"]), token: "t0ken", log: () => {} });
    port = await server.listen(0);
  });
  after(async () => {
    await server.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("serves 1,000 sequential 100 KiB POSTs on one keep-alive HTTP/1.1 connection without a reset", async () => {
    const out = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ["--input-type=module", "-e", CLIENT, String(port), String(100 * 1024), "1000"], { timeout: 240_000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`${err.message}\n${stderr}`));
        else resolve(stdout);
      });
    });
    const { errors, sockets } = JSON.parse(out) as { errors: Record<string, number>; sockets: number };
    assert.deepEqual(errors, {}, "every request answered 201");
    assert.equal(sockets, 1, "all on one connection");
  });

  test("sends an HTTP/2 client's Warning headers as UTF-8", async () => {
    const session = connect(`https://127.0.0.1:${port}`, { rejectUnauthorized: false });
    try {
      const headers = await new Promise<Record<string, string | string[] | undefined>>((resolve, reject) => {
        const req = session.request({ ":method": "POST", ":path": "/api/v1/namespaces/default/configmaps", "content-type": "application/json", authorization: "Bearer t0ken" });
        req.on("response", (h) => resolve(h as Record<string, string | string[] | undefined>));
        req.on("error", reject);
        req.resume();
        req.end(JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "h2-warn" }, "日本語": 1 }));
      });
      assert.equal(headers[":status"], 201);
      // Node's client hands header bytes over as Latin-1 characters.
      assert.equal(Buffer.from(String(headers.warning), "latin1").toString("utf8"), '299 - "unknown field \\"日本語\\""');
    } finally {
      session.close();
    }
  });
});
