import { homedir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { up } from "./up.js";

const USAGE = `Usage: tug <command> [flags]

Commands:
  up      Run the all-in-one cluster in the foreground
          --data-dir DIR   where state, certificates and the kubeconfig live (default ~/.tugboat)
          --port N         API server port (default 6443; 0 picks a free one)
          --host ADDR      address to listen on (default 127.0.0.1)
          --nodes N        how many nodes to run (default 1)
          --runtime R      simulated (pods are data, KWOK-style); the process runtime is not built yet
          --default-not-ready-toleration-seconds N     (default 300)
          --default-unreachable-toleration-seconds N   (default 300)
`;

function fail(message: string): never {
  process.stderr.write(`tug: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function integer(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) fail(`--${flag} needs a non-negative integer, got "${value}"`);
  return n;
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    process.stdout.write(USAGE);
    return;
  }
  if (command !== "up") fail(`unknown command "${command}"`);
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        "data-dir": { type: "string" },
        port: { type: "string" },
        host: { type: "string" },
        nodes: { type: "string" },
        runtime: { type: "string" },
        "default-not-ready-toleration-seconds": { type: "string" },
        "default-unreachable-toleration-seconds": { type: "string" },
      },
      strict: true,
    }));
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
  const str = (k: string) => values[k] as string | undefined;
  const runtime = str("runtime") ?? "simulated";
  if (runtime !== "simulated") fail(runtime === "process" ? "the process runtime is not built yet; use --runtime simulated" : `unknown runtime "${runtime}"`);
  await up({
    nodes: integer(str("nodes"), "nodes", 1),
    runtime,
    dataDir: str("data-dir") ?? join(homedir(), ".tugboat"),
    port: integer(str("port"), "port", 6443),
    host: str("host") ?? "127.0.0.1",
    defaultNotReadyTolerationSeconds: integer(str("default-not-ready-toleration-seconds"), "default-not-ready-toleration-seconds", 300),
    defaultUnreachableTolerationSeconds: integer(str("default-unreachable-toleration-seconds"), "default-unreachable-toleration-seconds", 300),
  });
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`tug: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
