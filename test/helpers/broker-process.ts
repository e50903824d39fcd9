// Starts ./your_program.sh the way the tester does (§1.1, §1.3, §1.5): one argument (the properties file),
// its own process group, piped stdio, RLIMIT_AS of 6 GiB, and SIGTERM then SIGKILL after 2 s at teardown.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The directory holding package.json, found upwards from this file. */
export const repoRoot = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("package.json not found above test/helpers");
    dir = parent;
  }
  return dir;
})();

/**
 * The program under test: ./your_program.sh, or KAFKA_STAGE_PROGRAM to run the stages against another
 * executable (which is then not built first).
 */
export const programOverride = process.env.KAFKA_STAGE_PROGRAM;
const programPath = programOverride ?? join(repoRoot, "your_program.sh");

/** tester-utils v0.4.13 sets prlimit(RLIMIT_AS) to three times its 2 GiB memory limit. */
const ADDRESS_SPACE_LIMIT = 6 * 1024 ** 3;
/** The tester copies only this much of each stream; past it, the broker's writes eventually block. */
export const OUTPUT_LIMIT = 30_000;
const TERM_GRACE_MS = 2000;

export { freePort } from "../../scripts/free-port.mjs";

/** The tester's environment minus its secrets; also drop the test runner's own markers. */
function childEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(CODECRAFTERS_SECRET|VITEST|NODE_ENV$)/.test(k)),
  );
}

const running = new Set<BrokerProcess>();

export class BrokerProcess {
  private stdout = Buffer.alloc(0);
  private stderr = Buffer.alloc(0);
  private streamClosed = false;
  /** undefined while running; then "code N" or "signal S". */
  private exitStatus: string | undefined;
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    child.stdout!.on("data", (d: Buffer) => (this.stdout = Buffer.concat([this.stdout, d])));
    child.stderr!.on("data", (d: Buffer) => (this.stderr = Buffer.concat([this.stderr, d])));
    child.stdout!.on("close", () => (this.streamClosed = true));
    child.stderr!.on("close", () => (this.streamClosed = true));
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.exitStatus = signal ? `signal ${signal}` : `code ${code}`;
        running.delete(this);
        resolve();
      });
      child.once("error", (err) => {
        this.exitStatus = `spawn error: ${err.message}`;
        running.delete(this);
        resolve();
      });
    });
  }

  /** `prlimit --as=6GiB -- <program> <propertiesPath>`, in its own process group. */
  static start(propertiesPath: string, cwd: string): BrokerProcess {
    const child = spawn(
      "prlimit",
      [`--as=${ADDRESS_SPACE_LIMIT}`, "--", programPath, propertiesPath],
      { cwd, env: childEnv(), detached: true, stdio: ["pipe", "pipe", "pipe"] },
    );
    const broker = new BrokerProcess(child);
    running.add(broker);
    return broker;
  }

  /** The tester's HasExited(): the process ended, a stream closed, or a stream hit the copy limit. */
  hasExited(): boolean {
    return this.exitStatus !== undefined || this.streamClosed ||
      this.stdout.length >= OUTPUT_LIMIT || this.stderr.length >= OUTPUT_LIMIT;
  }

  outputBytes(): number {
    return this.stdout.length + this.stderr.length;
  }

  /** The last `limit` characters of each stream, for failure reports. */
  outputTail(limit = 2000): string {
    const tail = (b: Buffer) => {
      const s = b.toString("utf8");
      return s.length > limit ? `…${s.slice(-limit)}` : s;
    };
    return `stdout (${this.stdout.length} bytes): ${tail(this.stdout) || "(empty)"}\n` +
      `stderr (${this.stderr.length} bytes): ${tail(this.stderr) || "(empty)"}` +
      (this.exitStatus !== undefined ? `\nexited with ${this.exitStatus}` : "");
  }

  private signalGroup(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.child.pid!, signal);
    } catch {
      // The group is already gone.
    }
  }

  /** SIGTERM to the process group, SIGKILL after 2 s if it has not exited. */
  async stop(): Promise<void> {
    if (this.child.pid === undefined || this.exitStatus !== undefined) return;
    this.signalGroup("SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<boolean>((r) => (timer = setTimeout(() => r(true), TERM_GRACE_MS)));
    const graceExpired = await Promise.race([this.exited.then(() => false), graceOver]);
    clearTimeout(timer);
    if (!graceExpired) return;
    this.signalGroup("SIGKILL");
    await this.exited;
  }
}

/** Safety net for afterAll: stops any broker a failed or timed-out stage left running. */
export async function stopAllBrokers(): Promise<void> {
  await Promise.all([...running].map((b) => b.stop()));
}
