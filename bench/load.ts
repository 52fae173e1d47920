import { request } from "node:http";

/** One GET on a new connection: undefined on a 200, else what went wrong (error, status, 3 s timeout). */
export function get(host: string, port: number, path = "/"): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = request({ host, port, path, agent: false, timeout: 3000 }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode === 200 ? undefined : `HTTP ${res.statusCode}`));
      res.on("error", (err) => resolve(String(err)));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (err) => resolve(String(err)));
    req.end();
  });
}

/** True when GET answers 200. */
export async function answers(host: string, port: number, path = "/"): Promise<boolean> {
  return (await get(host, port, path)) === undefined;
}

/**
 * Steady client traffic against one address: `concurrency` loops, each sending GET / on a new connection
 * as soon as the previous one finished, counting the answers and the failures, until stopped.
 */
export class Load {
  ok = 0;
  failed = 0;
  /** The first few failures, with when they happened (ms since the load began). */
  readonly failures: string[] = [];
  private readonly began = performance.now();
  private stopped = false;
  private readonly loops: Array<Promise<void>>;

  constructor(host: string, port: number, concurrency = 4) {
    this.loops = Array.from({ length: concurrency }, async () => {
      while (!this.stopped) {
        const error = await get(host, port);
        if (error === undefined) this.ok++;
        else if (++this.failed <= 5) this.failures.push(`${error} at ${Math.round(performance.now() - this.began)} ms`);
      }
    });
  }

  async stop(): Promise<{ ok: number; failed: number; failures: string[] }> {
    this.stopped = true;
    await Promise.all(this.loops);
    return { ok: this.ok, failed: this.failed, failures: this.failures };
  }
}
