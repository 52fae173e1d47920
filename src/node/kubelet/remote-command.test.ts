import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { exitStatus, resizeParser, runCommand, type CommandChannels } from "./remote-command.js";
import type { ExecProcess } from "../runtime/runtime.js";

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

describe("runCommand", () => {
  test("a command the runtime could not run ends the stream with its words, never an unhandled rejection", async () => {
    const outcomes: Array<number | Error> = [];
    const channels: CommandChannels = {
      onInput: () => undefined, onResize: () => undefined, onGone: () => undefined, write: (_s, _d, sent) => sent(),
      finish: (outcome) => void outcomes.push(outcome),
    };
    const exited = Promise.reject(new Error("Internal error occurred: exec: \"test\": executable file not found in $PATH"));
    const proc: ExecProcess = {
      write: () => undefined, endInput: () => undefined, onOutput: () => undefined, resize: () => undefined,
      pauseOutput: () => undefined, resumeOutput: () => undefined, exited, kill: () => undefined,
    };
    await runCommand(channels, proc);
    assert.equal(outcomes.length, 1);
    assert.match((outcomes[0] as Error).message, /executable file not found/);
  });
});
