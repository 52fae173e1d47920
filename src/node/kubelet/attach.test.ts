import { test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { attachProcess } from "./attach.js";

const entry = (text: string) => `2026-01-01T00:00:00.000000000Z stdout F ${text}\n`;

test("attachProcess shows what the container answers to input written at once, and nothing from before", async () => {
  const dir = mkdtempSync(join(tmpdir(), "attach-"));
  const log = join(dir, "0.log");
  appendFileSync(log, entry("before the attach"));
  let running = true;
  // A container that answers in the same instant its input arrives: before any asynchronous read of the log.
  const input = { write: (d: Buffer) => appendFileSync(log, entry(`echo ${d.toString()}`)), detach: () => undefined };
  try {
    const proc = attachProcess(log, { fromStart: false, tty: false, input }, () => running);
    const out: string[] = [];
    proc.onOutput((_, d) => out.push(d.toString()));
    proc.write(Buffer.from("hostname"));
    running = false;
    assert.equal(await proc.exited, 0);
    assert.equal(out.join(""), "echo hostname\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
