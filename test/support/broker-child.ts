// A broker in a child process (node dist/main.js), for what only a process shows: its RSS, its open-file
// limit (prlimit --nofile), and what survives kill -9. Output is kept for the assertions and failure reports.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, repoRoot } from "../helpers/broker-process.ts";

export interface ChildOptions {
  logDir: string;
  /** Extra server.properties lines, Kafka's names. */
  properties?: Record<string, string | number>;
  /** RLIMIT_NOFILE for the broker (prlimit --nofile). */
  nofile?: number;
  /** How long start-up may take. */
  startTimeoutMs?: number;
  /** The listener's port (a restart on the same one); a free one when not given. */
  port?: number;
}

const TERM_GRACE_MS = 2000;

export class BrokerChild {
  private out = "";
  private exitStatus: string | undefined;
  readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    child.stdout!.on("data", (d: Buffer) => (this.out += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (this.out += d.toString()));
    this.exited = new Promise((resolve) =>
      child.once("exit", (code, signal) => {
        this.exitStatus = signal ? `signal ${signal}` : `code ${code}`;
        resolve();
      }),
    );
  }

  /** Starts the broker and resolves once it printed its start-up line; rejects with its output if it exits first. */
  static async start(options: ChildOptions): Promise<BrokerChild> {
    const port = options.port ?? (await freePort());
    const propertiesPath = join(options.logDir, "..", `server-${port}.properties`);
    const lines = [`node.id=1`, `listeners=PLAINTEXT://127.0.0.1:${port}`, `log.dirs=${options.logDir}`];
    for (const [k, v] of Object.entries(options.properties ?? {})) lines.push(`${k}=${v}`);
    writeFileSync(propertiesPath, lines.join("\n"));
    const node = [process.execPath, "--disable-wasm-trap-handler", join(repoRoot, "dist", "main.js"), propertiesPath];
    const [command, ...args] = options.nofile ? ["prlimit", `--nofile=${options.nofile}`, "--", ...node] : node;
    const child = spawn(command, args, { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
    const broker = new BrokerChild(child, port);
    const deadline = Date.now() + (options.startTimeoutMs ?? 15_000);
    await broker.waitForOutput(/listening on/, deadline - Date.now());
    return broker;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Everything the broker printed so far. */
  get output(): string {
    return this.out;
  }

  get hasExited(): boolean {
    return this.exitStatus !== undefined;
  }

  /** Resident set size from /proc (the broker is the spawned process itself, or prlimit's exec of it). */
  rssBytes(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, "utf8");
    const kb = /VmRSS:\s+(\d+) kB/.exec(status);
    if (!kb) throw new Error(`no VmRSS for ${this.pid}`);
    return Number(kb[1]) * 1024;
  }

  /** Waits (bounded) until the output matches `pattern`. */
  async waitForOutput(pattern: RegExp, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.out)) {
      if (this.exitStatus !== undefined) throw new Error(`broker exited (${this.exitStatus}) before ${pattern}:\n${this.out}`);
      if (Date.now() > deadline) throw new Error(`broker did not print ${pattern} within ${timeoutMs} ms:\n${this.out}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** kill -9: what a crash looks like to the files. */
  async kill(): Promise<void> {
    if (this.exitStatus !== undefined) return;
    this.child.kill("SIGKILL");
    await this.exited;
  }

  /** SIGTERM, then SIGKILL after a grace period. */
  async stop(): Promise<void> {
    if (this.exitStatus !== undefined) return;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), TERM_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }
}
