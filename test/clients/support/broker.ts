// An in-process broker per test file, on a free loopback port and a temporary log dir that outlives
// restarts (close, then start again on the same dir) and is removed at the end. Whatever the broker
// logs as an error (a request that failed, the WASM codec falling back to JS) fails the file.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBroker, type RunningBroker, type StartBrokerOptions } from "../../../src/index.ts";
import type { Logger } from "../../../src/logger.ts";

export interface TestBroker {
  readonly running: RunningBroker;
  /** "127.0.0.1:<port>": the loopback address clients bootstrap from (and are advertised back). */
  readonly bootstrap: string;
  readonly port: number;
  readonly logDir: string;
  /**
   * Closes the broker and starts a new one on the same log dir: on a new port, or with
   * `samePort` on the old one, so connected clients reconnect to it on their own.
   */
  restart(options?: { samePort?: boolean }): Promise<void>;
  /** Closes the broker and removes its log dir; throws if the broker logged an error. */
  dispose(): Promise<void>;
}

export async function startTestBroker(options: Omit<StartBrokerOptions, "logDirs"> = {}): Promise<TestBroker> {
  const logDir = mkdtempSync(join(tmpdir(), "broker-clients-"));
  const errors: string[] = [];
  const logger: Logger = { info: () => {}, debug: () => {}, warn: () => {}, error: (message) => errors.push(message) };
  // Consumer groups start at once: nothing here waits for more members to join.
  const start = (port = 0) => startBroker({ port, groupInitialRebalanceDelayMs: 0, logger, ...options, logDirs: [logDir] });
  let running = await start();
  return {
    get running() {
      return running;
    },
    get bootstrap() {
      return `127.0.0.1:${running.port}`;
    },
    get port() {
      return running.port;
    },
    logDir,
    async restart({ samePort = false } = {}) {
      const port = running.port;
      await running.close();
      running = await start(samePort ? port : 0);
    },
    async dispose() {
      try {
        await running.close();
      } finally {
        rmSync(logDir, { recursive: true, force: true });
      }
      if (errors.length > 0) throw new Error(`the broker logged errors:\n${errors.join("\n")}`);
    },
  };
}
