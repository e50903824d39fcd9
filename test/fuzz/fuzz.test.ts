// The seeded fuzzer against a broker child process: no crash, no hang, RSS bounded, ApiVersions answered
// after every thousand frames, and no request failing inside the broker. `npm test` runs a small fixed-seed
// run; `npm run fuzz` a long one (FUZZ_FRAMES, FUZZ_SECONDS, FUZZ_SEED).
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildOnce } from "../helpers/stage.ts";
import { BrokerChild } from "../support/broker-child.ts";
import { fuzz } from "./fuzzer.ts";

const FRAMES = Number(process.env.FUZZ_FRAMES ?? 3000);
const SECONDS = Number(process.env.FUZZ_SECONDS ?? 60);
const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
/** What the broker may grow to while being fuzzed: far below the tester's 6 GiB address space. */
const RSS_BOUND = 1024 * 1024 * 1024;

/** The same listener made SASL_PLAINTEXT: unauthenticated, the mutated frames may reach only ApiVersions and SASL. */
const SASL_LISTENER = {
  "listener.security.protocol.map": "PLAINTEXT:SASL_PLAINTEXT",
  "sasl.enabled.mechanisms": "PLAIN,SCRAM-SHA-512",
  "sasl.jaas.config": 'org.apache.kafka.common.security.plain.PlainLoginModule required user_fuzz="fuzz-secret";',
  "connection.failed.authentication.delay.ms": 0,
};

let root: string;
let broker: BrokerChild;
let saslBroker: BrokerChild;

beforeAll(async () => {
  await buildOnce();
  root = mkdtempSync(join(tmpdir(), "broker-fuzz-"));
  broker = await BrokerChild.start({ logDir: join(root, "logs") });
  saslBroker = await BrokerChild.start({ logDir: join(root, "sasl-logs"), properties: SASL_LISTENER });
}, 300_000);

afterAll(async () => {
  await broker?.stop();
  await saslBroker?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe("fuzzing the request path", () => {
  it(`survives ${FRAMES} mutated frames of every implemented API (seed ${SEED})`, async () => {
    const result = await fuzz({
      seed: SEED,
      frames: FRAMES,
      timeLimitMs: SECONDS * 1000,
      port: broker.port,
      rssBytes: () => broker.rssBytes(),
      alive: () => !broker.hasExited,
    });
    console.log(
      `fuzz seed ${SEED}: ${result.frames} frames from ${result.seeds} seeds in ${(result.elapsedMs / 1000).toFixed(1)} s, ` +
        `${result.answered} answered, ${result.closed} refused by closing, ${result.silent} unanswered, ${result.checks} ApiVersions checks passed, ` +
        `peak RSS ${(result.peakRssBytes / 2 ** 20).toFixed(0)} MiB`,
    );
    expect(result.peakRssBytes).toBeLessThan(RSS_BOUND);
    expect(broker.output).not.toMatch(/\[error\]/);
  }, (SECONDS + 120) * 1000);

  it(`survives ${Math.ceil(FRAMES / 3)} mutated frames against a SASL listener, none served before authentication (seed ${SEED})`, async () => {
    const result = await fuzz({
      seed: SEED,
      frames: Math.ceil(FRAMES / 3),
      timeLimitMs: (SECONDS * 1000) / 3,
      port: saslBroker.port,
      rssBytes: () => saslBroker.rssBytes(),
      alive: () => !saslBroker.hasExited,
    });
    console.log(`fuzz (SASL listener) seed ${SEED}: ${result.frames} frames, ${result.answered} answered, ${result.closed} refused by closing, ${result.silent} unanswered`);
    expect(result.peakRssBytes).toBeLessThan(RSS_BOUND);
    expect(saslBroker.output).not.toMatch(/\[error\]/);
    // Nothing was created: no request but ApiVersions and SASL reached a handler.
    const topicDirs = readdirSync(join(root, "sasl-logs"), { withFileTypes: true }).filter((d) => d.isDirectory() && !d.name.startsWith("__"));
    expect(topicDirs.map((d) => d.name)).toEqual([]);
  }, (SECONDS + 120) * 1000);
});
