import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { exitStatus, resizeParser } from "./remote-command.js";

describe("exitStatus", () => {
  test("exit code 0 is a Success Status", () => {
    assert.deepEqual(exitStatus(0), { metadata: {}, status: "Success" });
  });

  test("a non-zero exit code is NonZeroExitCode with the code as its ExitCode cause, as client-go reads it", () => {
    assert.deepEqual(exitStatus(3), {
      metadata: {}, status: "Failure", message: "command terminated with exit code 3", reason: "NonZeroExitCode",
      details: { causes: [{ reason: "ExitCode", message: "3" }] },
    });
  });

  test("a command that could not run is an InternalError with the runtime's words", () => {
    const s = exitStatus(new Error("cannot exec in a stopped container"));
    assert.equal(s.reason, "InternalError");
    assert.equal(s.message, "cannot exec in a stopped container");
  });
});

describe("resizeParser", () => {
  test("reads each JSON size, however the stream splits them, and skips malformed ones", () => {
    const sizes: Array<[number, number]> = [];
    const feed = resizeParser((cols, rows) => sizes.push([cols, rows]));
    feed(Buffer.from('{"Width":80,"Height":24}\n{"Wid'));
    feed(Buffer.from('th":120,"Height":40}\n{"Width":"x"}\n'));
    assert.deepEqual(sizes, [[80, 24], [120, 40]]);
  });
});
