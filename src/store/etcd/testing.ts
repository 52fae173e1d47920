import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EtcdClient } from "./client.js";
import { createCertificateAuthority, issueCertificate } from "../../api/pki/certificates.js";

/** PEM files of a TLS cluster: its CA, and a client certificate it accepts (as --etcd-cafile/certfile/keyfile). */
export interface EtcdTlsFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** Whether an `etcd` binary is on PATH (Debian's etcd-server); tests skip with this message when not. */
export function etcdMissing(): string | false {
  const found = spawnSync("etcd", ["--version"], { stdio: "ignore" });
  return found.error || found.status !== 0 ? "etcd is not installed (apt-get install etcd-server etcd-client)" : false;
}

interface Member {
  name: string;
  dataDir: string;
  clientUrl: string;
  peerUrl: string;
  process?: ChildProcess;
}

export interface EtcdClusterOptions {
  /** Members (default 1). */
  members?: number;
  /** etcd's --experimental-watch-progress-notify-interval (default 10m as etcd's). */
  progressNotifyInterval?: string;
  /** Serve clients over TLS and require a client certificate signed by the cluster's CA (see `tls`). */
  tls?: boolean;
  /**
   * Where the members' data directories go (default: the OS temp dir). /dev/shm keeps the WAL's fsyncs off
   * a busy disk; a member killed with SIGKILL keeps its data there just the same.
   */
  parentDir?: string;
}

/**
 * Real etcd members on loopback for tests: each on free ports with its own data directory under one
 * temporary folder. `stop`/`kill` a member and `start` it again on the same ports and data (a restart);
 * `close` kills them all and removes the data.
 */
export class EtcdCluster {
  /** With `tls`: the files a client needs. */
  tls: EtcdTlsFiles | undefined;
  private serverFiles: { cert: string; key: string } | undefined;

  private constructor(private readonly dir: string, readonly members: Member[], private readonly options: EtcdClusterOptions) {}

  static async start(options: EtcdClusterOptions = {}): Promise<EtcdCluster> {
    const dir = mkdtempSync(join(options.parentDir ?? tmpdir(), "tug-etcd-"));
    const members: Member[] = [];
    const scheme = options.tls ? "https" : "http";
    for (let i = 0; i < (options.members ?? 1); i++) {
      members.push({ name: `m${i}`, dataDir: join(dir, `m${i}`), clientUrl: `${scheme}://127.0.0.1:${await freePort()}`, peerUrl: `http://127.0.0.1:${await freePort()}` });
    }
    const cluster = new EtcdCluster(dir, members, options);
    try {
      if (options.tls) await cluster.writeCertificates();
      for (let i = 0; i < members.length; i++) cluster.spawn(i);
      await Promise.all(members.map((_, i) => cluster.waitHealthy(i)));
    } catch (err) {
      await cluster.close();
      throw err;
    }
    return cluster;
  }

  /** The client URLs, as --etcd-servers takes them. */
  get endpoints(): string[] {
    return this.members.map((m) => m.clientUrl);
  }

  /** Starts member `i` again (same ports and data) and waits until it serves. */
  async restart(i: number): Promise<void> {
    this.spawn(i);
    await this.waitHealthy(i);
  }

  /** Stops member `i` with SIGKILL (kill -9) or SIGTERM, and waits for it to be gone. */
  async stop(i: number, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    const child = this.members[i]!.process;
    this.members[i]!.process = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill(signal);
    await exited;
  }

  async close(): Promise<void> {
    await Promise.all(this.members.map((_, i) => this.stop(i, "SIGKILL")));
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The PEM a client passes for this cluster's TLS (nothing without `tls`). */
  clientTls(): { ca?: Buffer; cert?: Buffer; key?: Buffer } {
    if (!this.tls) return {};
    const read = (f: string) => readFileSync(f);
    return { ca: read(this.tls.caFile), cert: read(this.tls.certFile), key: read(this.tls.keyFile) };
  }

  private async writeCertificates(): Promise<void> {
    const now = new Date();
    const ca = await createCertificateAuthority(now, "etcd-ca");
    const server = await issueCertificate(ca, { commonName: "etcd", usage: "client-server", hosts: ["127.0.0.1", "localhost"], now });
    const client = await issueCertificate(ca, { commonName: "kube-apiserver-etcd-client", usage: "client", now });
    const file = (name: string, pem: string) => {
      const path = join(this.dir, name);
      writeFileSync(path, pem, { mode: 0o600 });
      return path;
    };
    this.serverFiles = { cert: file("server.crt", server.cert), key: file("server.key", server.key!) };
    this.tls = { caFile: file("ca.crt", ca.cert), certFile: file("client.crt", client.cert), keyFile: file("client.key", client.key!) };
  }

  private spawn(i: number): void {
    const m = this.members[i]!;
    const initialCluster = this.members.map((p) => `${p.name}=${p.peerUrl}`).join(",");
    const logFd = openSync(join(this.dir, `${m.name}.log`), "a");
    m.process = spawn("etcd", [
      "--name", m.name, "--data-dir", m.dataDir,
      "--listen-client-urls", m.clientUrl, "--advertise-client-urls", m.clientUrl,
      "--listen-peer-urls", m.peerUrl, "--initial-advertise-peer-urls", m.peerUrl,
      "--initial-cluster", initialCluster, "--initial-cluster-state", "new", "--initial-cluster-token", `tug-${process.pid}`,
      "--experimental-watch-progress-notify-interval", this.options.progressNotifyInterval ?? "10m",
      "--logger", "zap", "--log-level", "warn",
      ...(this.tls && this.serverFiles
        ? ["--cert-file", this.serverFiles.cert, "--key-file", this.serverFiles.key, "--trusted-ca-file", this.tls.caFile, "--client-cert-auth"]
        : []),
    ], { stdio: ["ignore", logFd, logFd] });
    closeSync(logFd);
    // A test process that ends without close() (a timeout, a crash) takes its members with it.
    const child = m.process;
    const reap = () => child.kill("SIGKILL");
    process.once("exit", reap);
    child.once("exit", () => process.removeListener("exit", reap));
  }

  /** Waits until member `i` answers a Status call (and the cluster has a leader), for up to 30 s. */
  private async waitHealthy(i: number): Promise<void> {
    const client = new EtcdClient({ endpoints: [this.members[i]!.clientUrl], timeoutMs: 1000, ...this.clientTls() });
    const deadline = Date.now() + 30_000;
    try {
      for (;;) {
        const child = this.members[i]!.process;
        if (!child || child.exitCode !== null) throw new Error(`etcd member ${this.members[i]!.name} exited (log: ${join(this.dir, `${this.members[i]!.name}.log`)})`);
        try {
          const status = await client.status(0);
          if (status.leader !== 0n) return;
        } catch {
          // not serving yet
        }
        if (Date.now() > deadline) throw new Error(`etcd member ${this.members[i]!.name} did not become healthy in 30 s`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      client.close();
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
