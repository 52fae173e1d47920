import type { Log } from "./logger.js";

/**
 * A foreground command's end: on the first SIGINT or SIGTERM, logs "Stopping", runs `teardown` once (a
 * second signal meanwhile is ignored) and exits 0.
 */
export function stopOnSignals(log: Log, teardown: () => Promise<void>): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log({ level: "info", msg: "Stopping", signal });
    await teardown();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}
