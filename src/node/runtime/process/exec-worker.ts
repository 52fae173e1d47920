/**
 * The body of the off-thread exec worker (see off-thread-exec.ts): runs each requested command with
 * execFile and posts back its exit code and output.
 */
import { execFile } from "node:child_process";
import { parentPort } from "node:worker_threads";
import type { ExecRequest, ExecResult } from "./off-thread-exec.js";

parentPort!.on("message", (req: ExecRequest) => {
  execFile(req.file, req.args, { env: req.env, timeout: req.timeoutMs, maxBuffer: 4 * 2 ** 20 }, (err, stdout, stderr) => {
    const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
    const result: ExecResult = { id: req.id, code, stdout, stderr, error: err && typeof err.code !== "number" ? err.message : undefined };
    parentPort!.postMessage(result);
  });
});
