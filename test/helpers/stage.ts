// One tester stage as a vitest test: fresh files and a fresh broker process per stage, the tester's stage
// timeout, teardown in the tester's order, and on failure the seed, the broker's output and its last bytes.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, test } from "vitest";
import { toHex } from "./bytes.ts";
import { BrokerProcess, OUTPUT_LIMIT, freePort, programOverride, repoRoot, stopAllBrokers } from "./broker-process.ts";
import { writeTesterFiles, type TopicSpec } from "./kafka-files.ts";
import { StageRandom } from "./stage-random.ts";
import { TesterClient } from "./tester-client.ts";
import { fail } from "./tester-responses.ts";

/** tester-utils' default stage timeout; vi6 gets 15 s. */
export const STAGE_TIMEOUT_MS = 10_000;
/** Room for teardown (SIGTERM, up to 2 s, SIGKILL) after the stage's own deadline. */
const TEARDOWN_ALLOWANCE_MS = 5_000;
const BUILD_TIMEOUT_MS = 300_000;

/** Set KAFKA_STAGE_SEED to replay a failure; otherwise each test file draws its own. */
const BASE_SEED = process.env.KAFKA_STAGE_SEED !== undefined
  ? Number(process.env.KAFKA_STAGE_SEED) >>> 0
  : Math.floor(Math.random() * 2 ** 32);

export interface StageContext {
  rng: StageRandom;
  logDir: string;
  /** Writes the tester's files (no topics: a config-only stage) and starts ./your_program.sh. */
  start(topics?: TopicSpec[]): Promise<void>;
  /** Dials the broker like the tester: retries until the stage deadline unless the program has exited. */
  connect(): Promise<TesterClient>;
}

/**
 * Runs scripts/prepare.sh once per test file, so no stage pays for a build. flock serialises the files
 * running in parallel, and the kernel drops the lock if a run is killed.
 */
export function buildOnce(): Promise<void> {
  if (programOverride !== undefined) return Promise.resolve();
  const lock = join(tmpdir(), `kafka-stage-build-${createHash("sha1").update(repoRoot).digest("hex").slice(0, 12)}.lock`);
  return new Promise((resolve, reject) => {
    execFile("flock", [lock, "sh", join(repoRoot, "scripts", "prepare.sh")], { cwd: repoRoot, timeout: BUILD_TIMEOUT_MS },
      (err, _stdout, stderr) => (err ? reject(new Error(`scripts/prepare.sh failed:\n${stderr}`)) : resolve()));
  });
}

/** Call once at the top of each stage file. */
export function useStageLifecycle(): void {
  beforeAll(buildOnce, BUILD_TIMEOUT_MS);
  afterAll(stopAllBrokers, TEARDOWN_ALLOWANCE_MS);
}

function withinDeadline<T>(work: Promise<T>, ms: number, code: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${code} timed out after ${ms / 1000} s (the tester's stage timeout)`)), ms);
  });
  work.catch(() => {}); // after a timeout, teardown makes the abandoned work fail; that is expected
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export function stage(code: string, title: string, body: (s: StageContext) => Promise<void>, timeoutMs = STAGE_TIMEOUT_MS): void {
  test(`${code}: ${title}`, async () => {
    const rng = new StageRandom(BASE_SEED, code);
    const root = await mkdtemp(join(tmpdir(), `kafka-stage-${code}-`));
    const logDir = join(root, "kraft-combined-logs");
    const deadline = Date.now() + timeoutMs;
    const clients: TesterClient[] = [];
    let broker: BrokerProcess | undefined;

    const context: StageContext = {
      rng,
      logDir,
      async start(topics = []) {
        const propertiesPath = join(root, "server.properties");
        const port = await freePort();
        await writeTesterFiles({ propertiesPath, logDir, port, controllerPort: await freePort(), topics });
        // The tester sets no working directory; a directory of its own catches relative paths.
        broker = BrokerProcess.start(propertiesPath, root);
        const started = broker;
        context.connect = async () => {
          const client = await TesterClient.connect({ port, deadline, programHasExited: () => started.hasExited() });
          clients.push(client);
          return client;
        };
      },
      connect: () => fail("start() the broker before connecting"),
    };

    try {
      await withinDeadline(body(context), timeoutMs, code);
      if (broker && broker.outputBytes() >= OUTPUT_LIMIT) {
        fail(`The broker wrote ${broker.outputBytes()} bytes of output; the tester stops reading at ${OUTPUT_LIMIT}`);
      }
    } catch (err) {
      // Teardown first, so the report holds everything the broker printed.
      for (const c of clients) c.close();
      await broker?.stop();
      const e = err as Error;
      e.message += `\n  replay: KAFKA_STAGE_SEED=${BASE_SEED} npx vitest run test/stages -t ${code}`;
      clients.forEach((c, i) => {
        if (c.lastResponse) e.message += `\n  client ${i + 1} last response (${c.lastResponse.length} bytes): ${toHex(c.lastResponse.subarray(0, 1024))}`;
      });
      if (broker) e.message += `\n  broker ${broker.outputTail()}`;
      throw e;
    } finally {
      for (const c of clients) c.close();
      await broker?.stop();
      await rm(root, { recursive: true, force: true });
    }
  }, timeoutMs + TEARDOWN_ALLOWANCE_MS);
}
