import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { exitCodeOf, exitCodeOfErrorStream } from "./exec-stream.js";

describe("exitCodeOf", () => {
  it("reads 0 from Success and the ExitCode cause of NonZeroExitCode", () => {
    assert.equal(exitCodeOf({ status: "Success" }), 0);
    assert.equal(exitCodeOf({ status: "Failure", reason: "NonZeroExitCode", details: { causes: [{ reason: "ExitCode", message: "42" }] } }), 42);
  });
  it("throws the status message of any other failure", () => {
    assert.throws(() => exitCodeOf({ status: "Failure", message: "executable file not found in $PATH" }), /executable file not found/);
  });
});

describe("exitCodeOfErrorStream", () => {
  it("reads an empty error stream as success (as client-go does), a Status by its code, and plain words as the error", () => {
    assert.equal(exitCodeOfErrorStream(""), 0);
    assert.equal(exitCodeOfErrorStream(JSON.stringify({ status: "Failure", reason: "NonZeroExitCode", details: { causes: [{ reason: "ExitCode", message: "4" }] } })), 4);
    assert.throws(() => exitCodeOfErrorStream("container not running"), /^Error: container not running$/);
  });
});
