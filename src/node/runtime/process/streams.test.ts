import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { createServer, type AddressInfo } from "node:net";
import type { ExecProcess } from "../runtime.js";
import { ProcessStreams, type StreamTarget } from "./streams.js";

/** A container running on the host (the runtime's view without namespaces, as when not root). */
const HOST: StreamTarget = { state: "running", env: { GREETING: "hello" }, command: (a) => a, namespaced: false };
const streams = new ProcessStreams({ container: (id) => (id === "c1" ? HOST : id === "gone" ? { ...HOST, state: "exited" } : undefined), netns: () => undefined });

function collect(proc: ExecProcess): { out: () => string; err: () => string } {
  let out = "", err = "";
  proc.onOutput((s, d) => (s === "stdout" ? (out += d.toString()) : (err += d.toString())));
  return { out: () => out, err: () => err };
}

describe("ProcessStreams.exec", () => {
  test("runs the command with the container's environment; output and exit code come back", async () => {
    const proc = streams.exec("c1", ["sh", "-c", "echo $GREETING; echo oops >&2; exit 4"], { tty: false, stdin: false });
    const got = collect(proc);
    assert.equal(await proc.exited, 4);
    assert.equal(got.out(), "hello\n");
    assert.equal(got.err(), "oops\n");
  });

  test("stdin flows in and its end reaches the command", async () => {
    const proc = streams.exec("c1", ["cat"], { tty: false, stdin: true });
    const got = collect(proc);
    proc.write(Buffer.from("abc"));
    proc.endInput();
    assert.equal(await proc.exited, 0);
    assert.equal(got.out(), "abc");
  });

  test("with a tty the command has a terminal that resizes", async () => {
    const proc = streams.exec("c1", ["sh"], { tty: true, stdin: true });
    const got = collect(proc);
    proc.resize(132, 43);
    proc.write(Buffer.from("stty size; exit 5\n"));
    assert.equal(await proc.exited, 5);
    assert.match(got.out(), /43 132/);
  });

  test("kill ends the command and what it started", async () => {
    const proc = streams.exec("c1", ["sh", "-c", "sleep 4343 & sleep 4343"], { tty: false, stdin: false });
    while (spawnSync("pgrep", ["-f", "sleep 4343"]).stdout.toString().trim() === "") await new Promise((r) => setTimeout(r, 20));
    proc.kill();
    await proc.exited;
    while (spawnSync("pgrep", ["-f", "sleep 4343"]).stdout.toString().trim() !== "") await new Promise((r) => setTimeout(r, 20));
  });

  test("a stopped or unknown container is refused with the runtime's words", () => {
    assert.throws(() => streams.exec("gone", ["true"], { tty: false, stdin: false }), /cannot exec in a stopped container/);
    assert.throws(() => streams.exec("nope", ["true"], { tty: false, stdin: false }), /container not found/);
  });
});

describe("ProcessStreams.portForward", () => {
  test("connects to the port (the host's loopback for a pod without its own network)", async () => {
    const server = createServer((s) => s.end("pong"));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const conn = await streams.portForward("sandbox", (server.address() as AddressInfo).port);
    let text = "";
    conn.on("data", (d: Buffer) => (text += d.toString()));
    await once(conn, "end");
    assert.equal(text, "pong");
    conn.destroy();
    server.close();
  });
});
