import { Worker } from "node:worker_threads";

export interface ExecRequest {
  id: number;
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
}

export interface ExecResult {
  id: number;
  /** The exit code; -1 when the command could not run or was killed (then `error` says why). */
  code: number;
  stdout: string;
  stderr: string;
  error?: string;
}

/**
 * Runs short commands from a worker thread. Node's spawn is synchronous until the child has exec'd —
 * milliseconds of fork, and much longer when the CPUs are busy — and on the main thread that time is
 * taken from the API server, the controllers and the proxy sharing its event loop. From a worker it is not.
 */
export class OffThreadExec {
  private worker?: Worker;
  private next = 0;
  private readonly pending = new Map<number, (r: ExecResult) => void>();

  run(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<ExecResult> {
    const worker = this.started();
    const id = this.next++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      if (this.pending.size === 1) worker.ref();
      worker.postMessage({ id, file, args, env, timeoutMs } satisfies ExecRequest);
    });
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL("./exec-worker.js", import.meta.url));
    worker.unref();
    worker.on("message", (r: ExecResult) => {
      const resolve = this.pending.get(r.id);
      this.pending.delete(r.id);
      if (this.pending.size === 0) worker.unref();
      resolve?.(r);
    });
    worker.on("error", (err) => this.fail(String(err)));
    worker.on("exit", () => {
      this.worker = undefined;
      this.fail("the exec worker exited");
    });
    this.worker = worker;
    return worker;
  }

  private fail(error: string): void {
    for (const [id, resolve] of this.pending) resolve({ id, code: -1, stdout: "", stderr: "", error });
    this.pending.clear();
  }
}
