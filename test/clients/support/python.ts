// Runs a driver script in test/clients/python/ with Debian's interpreter, where python3-confluent-kafka
// and python3-kafka live (a python3 earlier on PATH, e.g. pyenv's, does not have them).
import { fileURLToPath } from "node:url";
import type { ReceivedMessage, SentMessage } from "./messages.ts";
import { runOk } from "./process.ts";

const PYTHON = "/usr/bin/python3";
/** Above the scripts' own 20 s deadline, so they report what went wrong before being killed. */
const TIMEOUT_MS = 40_000;

export interface PythonClient {
  run(args: string[], input?: string): Promise<string>;
  createTopic(bootstrap: string, topic: string, partitions: number): Promise<void>;
  produce(bootstrap: string, topic: string, compression: string, messages: SentMessage[]): Promise<void>;
  consume(bootstrap: string, topic: string, partitions: number): Promise<ReceivedMessage[]>;
}

export function pythonClient(script: string): PythonClient {
  const path = fileURLToPath(new URL(`../python/${script}`, import.meta.url));
  // Unbuffered, and no user site-packages shadowing the Debian modules.
  const env = { ...process.env, PYTHONUNBUFFERED: "1", PYTHONNOUSERSITE: "1" };
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
      const stdout = await run(["consume", bootstrap, topic, String(partitions)]);
      return stdout
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => JSON.parse(line) as ReceivedMessage);
    },
  };
}
