import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { constants as osConstants } from "node:os";
import { Duplex, type Readable, type Writable } from "node:stream";
import { spawn as spawnPty } from "node-pty";
import type { ContainerInput, ExecProcess, ExecStreamOptions, StreamingRuntime } from "../runtime.js";
import { hostTool } from "./host-tool.js";

/** What a stream needs to know of a container, from the runtime that runs it. */
export interface StreamTarget {
  state: "created" | "running" | "exited";
  /** The container's main process: its namespaces are entered. */
  pid?: number;
  env: Record<string, string>;
  /**
   * The full argv that runs a command in the container: mapped as the image's catalog does (busybox
   * applets), entering its namespaces as its user with its capabilities when it has namespaces (root).
   */
  command: (argv: string[]) => string[];
  /** The container runs in namespaces of its own (root); otherwise commands run on the host as it does. */
  namespaced: boolean;
  workingDir?: string;
}

export interface StreamLookup {
  container(id: string): StreamTarget | undefined;
  /** The pod's network namespace (a path under /run/netns), or undefined when it shares the host's. */
  netns(sandboxId: string): string | undefined;
  /** The running container's stdin, when it has one. */
  input?(containerId: string): ContainerInput | undefined;
}

/**
 * The process runtime's streams. Exec enters the container's namespaces through `nsenter --target` (so
 * the command sees the pod's hostname, resolv.conf and volumes), in its working directory, as its user,
 * with its environment; `tty` gives it a pseudo-terminal (node-pty) with TERM=xterm, as
 * upstream sets. Every command runs in its own process group (session with a tty) so `kill` ends what it
 * started too. Port-forward runs busybox's `nc` inside the pod's network namespace to 127.0.0.1:port.
 */
export class ProcessStreams implements StreamingRuntime {
  constructor(private readonly lookup: StreamLookup) {}

  exec(containerId: string, argv: string[], opts: ExecStreamOptions): ExecProcess {
    const target = this.lookup.container(containerId);
    if (!target) throw new Error(`container not found ("${containerId}")`);
    if (target.state !== "running") throw new Error("cannot exec in a stopped container: container is not running");
    if (argv.length === 0) throw new Error("command is required");
    const full = target.command(argv);
    const env = { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", ...target.env, ...(opts.tty ? { TERM: "xterm" } : {}) };
    const cwd = target.namespaced ? "/" : target.workingDir && existsSync(target.workingDir) ? target.workingDir : "/";
    return opts.tty ? ptyProcess(full, env, cwd) : pipedProcess(full, env, cwd, opts.stdin);
  }

  attachInput(containerId: string): ContainerInput | undefined {
    return this.lookup.input?.(containerId);
  }

  async portForward(sandboxId: string, port: number): Promise<Duplex> {
    const netns = this.lookup.netns(sandboxId);
    if (netns === undefined) return dialed(connect(port, "127.0.0.1"));
    const child = spawn(hostTool("nsenter"), [`--net=${netns}`, "--", hostTool("busybox"), "nc", "127.0.0.1", String(port)], { stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    let answered = false;
    child.stderr.setEncoding("utf8").on("data", (t: string) => (stderr += t.slice(0, 1024)));
    child.stdout.once("data", () => (answered = true));
    child.stdin.on("error", () => undefined);
    const duplex = pipesDuplex(child.stdin, child.stdout);
    duplex.on("close", () => child.kill("SIGKILL"));
    // "close", not "exit": the output nc read before it ended must reach the client first. nc fails at
    // once when nothing listens: then the connection is refused, as a dial would say.
    child.once("close", (code) => {
      if (code !== 0 && !answered) duplex.destroy(new Error(`failed to connect to localhost:${port} inside namespace "${sandboxId}": ${stderr.trim() || "connection refused"}`));
    });
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", () => resolve());
      child.once("error", reject);
    });
    return duplex;
  }
}

/**
 * A connection made of a helper's stdin and stdout. Unlike Duplex.from, the helper closing its stdin
 * (nc exits once the server has closed) is no error: what it printed is still delivered, then the end.
 */
function pipesDuplex(input: Writable, output: Readable): Duplex {
  const duplex: Duplex = new Duplex({
    allowHalfOpen: true,
    read: () => void output.resume(),
    write: (chunk: Buffer, _enc, done) => {
      if (input.writable) input.write(chunk, () => done());
      else done();
    },
    final: (done) => {
      if (input.writable) input.end();
      done();
    },
  });
  output.on("data", (d: Buffer) => {
    if (!duplex.push(d)) output.pause();
  });
  output.once("end", () => duplex.push(null));
  output.once("error", (err) => duplex.destroy(err));
  return duplex;
}

function dialed(socket: Socket): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("error", reject);
  });
}

function pipedProcess(argv: string[], env: Record<string, string>, cwd: string, stdin: boolean): ExecProcess {
  const child = spawn(argv[0]!, argv.slice(1), { env, cwd, detached: true, stdio: [stdin ? "pipe" : "ignore", "pipe", "pipe"] });
  const listeners: Array<(s: "stdout" | "stderr", d: Buffer) => void> = [];
  child.stdout!.on("data", (d: Buffer) => listeners.forEach((l) => l("stdout", d)));
  child.stderr!.on("data", (d: Buffer) => listeners.forEach((l) => l("stderr", d)));
  child.stdin?.on("error", () => undefined);
  const exited = new Promise<number>((resolve) => {
    child.once("error", (err) => {
      listeners.forEach((l) => l("stderr", Buffer.from(`${err.message}\n`)));
      resolve(126);
    });
    // "close": the output pipes are drained too.
    child.once("close", (code, signal) => resolve(code ?? 128 + signalNumber(signal)));
  });
  return {
    write: (data) => void child.stdin?.write(data),
    endInput: () => void child.stdin?.end(),
    onOutput: (l) => void listeners.push(l),
    resize: () => undefined,
    pauseOutput: () => {
      child.stdout!.pause();
      child.stderr!.pause();
    },
    resumeOutput: () => {
      child.stdout!.resume();
      child.stderr!.resume();
    },
    exited,
    kill: () => killGroup(child.pid),
  };
}

function ptyProcess(argv: string[], env: Record<string, string>, cwd: string): ExecProcess {
  const pty = spawnPty(argv[0]!, argv.slice(1), { name: "xterm", cols: 80, rows: 24, cwd, env });
  const listeners: Array<(s: "stdout" | "stderr", d: Buffer) => void> = [];
  pty.onData((d) => listeners.forEach((l) => l("stdout", Buffer.from(d, "utf8"))));
  const exited = new Promise<number>((resolve) => pty.onExit(({ exitCode, signal }) => resolve(signal ? 128 + signal : exitCode)));
  let done = false;
  void exited.then(() => (done = true));
  return {
    write: (data) => void (done || pty.write(data.toString("utf8"))),
    // The terminal's EOF character (^D), as a terminal's user would type it.
    endInput: () => void (done || pty.write("\x04")),
    onOutput: (l) => void listeners.push(l),
    resize: (cols, rows) => {
      if (!done && cols > 0 && rows > 0 && cols <= 0xffff && rows <= 0xffff) pty.resize(cols, rows);
    },
    pauseOutput: () => void (done || pty.pause()),
    resumeOutput: () => void (done || pty.resume()),
    exited,
    kill: () => {
      if (!done) killGroup(pty.pid);
    },
  };
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    try {
      process.kill(pid, "SIGKILL");
    } catch { /* already gone */ }
  }
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal ? osConstants.signals[signal] : 0;
}
