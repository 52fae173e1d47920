import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { exitCodeOf } from "./exec-stream.js";

describe("exitCodeOf", () => {
  it("reads 0 from Success and the ExitCode cause of NonZeroExitCode", () => {
    assert.equal(exitCodeOf({ status: "Success" }), 0);
    assert.equal(exitCodeOf({ status: "Failure", reason: "NonZeroExitCode", details: { causes: [{ reason: "ExitCode", message: "42" }] } }), 42);
  });
  it("throws the status message of any other failure", () => {
    assert.throws(() => exitCodeOf({ status: "Failure", message: "executable file not found in $PATH" }), /executable file not found/);
  });
});
