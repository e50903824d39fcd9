// The seeded fuzzer against a broker child process: no crash, no hang, RSS bounded, ApiVersions answered
// after every thousand frames, and no request failing inside the broker. `npm test` runs a small fixed-seed
// run; `npm run fuzz` a long one (FUZZ_FRAMES, FUZZ_SECONDS, FUZZ_SEED).
import { mkdtempSync, rmSync } from "node:fs";
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

let root: string;
let broker: BrokerChild;

beforeAll(async () => {
  await buildOnce();
  root = mkdtempSync(join(tmpdir(), "broker-fuzz-"));
  broker = await BrokerChild.start({ logDir: join(root, "logs") });
}, 300_000);

afterAll(async () => {
  await broker?.stop();
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
});
