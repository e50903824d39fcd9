// Runs a driver script in test/clients/python/ with Debian's interpreter (see system-clients.ts).
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ReceivedMessage, SentMessage } from "./messages.ts";
import { runOk } from "./process.ts";
import { PYTHON } from "../../support/system-clients.ts";

/** Above the scripts' own 20 s deadline, so they report what went wrong before being killed. */
const TIMEOUT_MS = 40_000;

export interface PythonClient {
  run(args: string[], input?: string): Promise<string>;
  createTopic(bootstrap: string, topic: string, partitions: number): Promise<void>;
  produce(bootstrap: string, topic: string, compression: string, messages: SentMessage[]): Promise<void>;
  consume(bootstrap: string, topic: string, partitions: number): Promise<ReceivedMessage[]>;
}

/** One JSON value per non-empty line of a driver's stdout. */
export function jsonLines<T>(stdout: string): T[] {
  return stdout
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as T);
}

/** What a group driver's `consume` reports: the messages it read, and the offsets it committed. */
export interface GroupRun {
  messages: ReceivedMessage[];
  /** partition → committed offset, as OffsetFetch returned it after the commit; empty when not committed. */
  committed: Map<number, number>;
}

type GroupLine = ({ type: "message" } & ReceivedMessage) | { type: "commit"; offsets: Record<string, number> };

/**
 * Runs a group driver's `consume`: one member of `group` reads `topic` from its committed offsets,
 * commits after `commitAfter` messages (0: never) and stops after `stopAfter` (0: at the end).
 */
export async function consumeInGroup(
  client: PythonClient,
  args: { bootstrap: string; topic: string; group: string; partitions: number; commitAfter: number; stopAfter: number },
): Promise<GroupRun> {
  const { bootstrap, topic, group, partitions, commitAfter, stopAfter } = args;
  const lines = jsonLines<GroupLine>(await client.run(["consume", bootstrap, topic, group, String(partitions), String(commitAfter), String(stopAfter)]));
  const run: GroupRun = { messages: [], committed: new Map() };
  for (const line of lines) {
    if (line.type === "commit") run.committed = new Map(Object.entries(line.offsets).map(([p, o]) => [Number(p), o]));
    else run.messages.push({ partition: line.partition, offset: line.offset, key: line.key, value: line.value, headers: line.headers });
  }
  return run;
}

const scriptPath = (script: string) => fileURLToPath(new URL(`../python/${script}`, import.meta.url));
// Unbuffered, and no user site-packages shadowing the Debian modules.
const pythonEnv = () => ({ ...process.env, PYTHONUNBUFFERED: "1", PYTHONNOUSERSITE: "1" });

/** A driver that keeps running while the test acts (kills brokers...): its JSON lines as they come. */
export interface RunningDriver<T> {
  /** Every line so far, in the order printed. */
  readonly lines: T[];
  /** Resolves with the exit code (or signal), and what it wrote to stderr. */
  readonly exited: Promise<{ status: number | string; stderr: string }>;
  /** SIGTERM: the driver's cue to finish cleanly. */
  stop(): void;
  kill(): void;
}

export function startPythonDriver<T>(script: string, args: string[]): RunningDriver<T> {
  const child = spawn(PYTHON, [scriptPath(script), ...args], { env: pythonEnv(), stdio: ["ignore", "pipe", "pipe"] });
  const lines: T[] = [];
  let partial = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    const parts = (partial + chunk).split("\n");
    partial = parts.pop()!;
    for (const line of parts) if (line !== "") lines.push(JSON.parse(line) as T);
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ status: number | string; stderr: string }>((resolve) =>
    child.once("close", (code, signal) => resolve({ status: code ?? signal ?? "unknown", stderr })),
  );
  return { lines, exited, stop: () => child.kill("SIGTERM"), kill: () => child.kill("SIGKILL") };
}

export function pythonClient(script: string): PythonClient {
  const path = scriptPath(script);
  const env = pythonEnv();
  const run = async (args: string[], input?: string) =>
    (await runOk(PYTHON, [path, ...args], { input, timeoutMs: TIMEOUT_MS, env })).stdout;
  return {
    run,
    async createTopic(bootstrap, topic, partitions) {
      await run(["create", bootstrap, topic, String(partitions)]);
    },
    async produce(bootstrap, topic, compression, messages) {
      await run(["produce", bootstrap, topic, compression], messages.map((m) => `${JSON.stringify(m)}\n`).join(""));
    },
    async consume(bootstrap, topic, partitions) {
      return jsonLines<ReceivedMessage>(await run(["consume", bootstrap, topic, String(partitions)]));
    },
  };
}
