import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { componentLog, createLogger, type LoggerOptions } from "./logger.js";

/** What `write` logs through a logger of `format` into a file. */
function logged(opts: LoggerOptions, write: (logger: ReturnType<typeof createLogger>) => void): string {
  const dir = mkdtempSync(join(tmpdir(), "tug-logger-"));
  const fd = openSync(join(dir, "log"), "w");
  try {
    write(createLogger({ ...opts, fd }));
    return readFileSync(join(dir, "log"), "utf8");
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("componentLog", () => {
  test("componentLog writes JSON lines through a child bound to its component, with the entry's level", () => {
    const text = logged({ format: "json" }, (logger) => {
      const log = componentLog(logger, "scheduler");
      log({ level: "warning", msg: "Binding failed", pod: "default/web" });
      log({ msg: "no level is info" });
    });
    const [warn, info] = text.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual({ ...warn, time: undefined }, { level: "warn", time: undefined, component: "scheduler", pod: "default/web", msg: "Binding failed" });
    assert.ok(!Number.isNaN(Date.parse(String(warn!.time))));
    assert.deepEqual([info!.level, info!.component, info!.msg], ["info", "scheduler", "no level is info"]);
  });

  test("componentLog: an entry naming its own component is written as that component's, once", () => {
    const text = logged({ format: "json" }, (logger) => componentLog(logger, "tug")({ level: "info", component: "kubelet", node: "n1", msg: "Cleaned up" }));
    assert.equal((text.match(/"component"/g) ?? []).length, 1);
    assert.equal((JSON.parse(text) as { component: string }).component, "kubelet");
  });

  test("componentLog drops what is below the logger's level", () => {
    const text = logged({ format: "json", level: "warn" }, (logger) => {
      componentLog(logger, "tug")({ level: "info", msg: "quiet" });
      componentLog(logger, "tug")({ level: "error", msg: "loud" });
    });
    assert.deepEqual(text.trim().split("\n").map((l) => (JSON.parse(l) as { msg: string }).msg), ["loud"]);
  });
});

describe("createLogger", () => {
  test("createLogger text writes one human-readable line an entry: time, level, component, message, fields; an error below it", () => {
    const text = logged({ format: "text" }, (logger) => componentLog(logger, "scheduler")({ level: "info", msg: "Bound", pod: "default/web", err: "x" }));
    // eslint-disable-next-line no-control-regex
    const plain = text.replace(/\u001b\[\d+m/g, "");
    assert.match(plain, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: scheduler: Bound \{"pod":"default\/web"\}\n {4}err: "x"\n$/);
  });
});
