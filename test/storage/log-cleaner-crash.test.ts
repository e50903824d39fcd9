// kill -9 during cleaning: a child process cleans a compacted log and is killed at each write,
// rename and delete the cleaning does; whatever step it dies at, the log opened afterwards holds
// the same last value per key, offsets strictly increasing, and no leftover .cleaned or .swap file.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONTROL_BATCH, readBatchHeader } from "../../src/codec/batch-header.ts";
import { logConfig } from "../../src/storage/log-config.ts";
import { LogManager } from "../../src/storage/log-manager.ts";
import { batchSpans } from "../../src/storage/record-batches.ts";
import type { UnifiedLog } from "../../src/storage/unified-log.ts";
import { BASE_TIMESTAMP, codec, tempDir } from "./support.ts";

const TOPIC = "compacted";
let child: string;
let pristine: string;
let expected: Map<string, string | null>;

beforeAll(async () => {
  child = join(fs.mkdtempSync(join(tmpdir(), "cleaner-child-")), "clean-until-killed.mjs");
  await build({ entryPoints: [join(import.meta.dirname, "support", "clean-until-killed.ts")], bundle: true, platform: "node", format: "esm", outfile: child, logLevel: "warning" });
  pristine = fs.mkdtempSync(join(tmpdir(), "cleaner-pristine-"));
  const manager = LogManager.open([pristine], { codec, logConfig: () => logConfig({ segmentBytes: 900, indexIntervalBytes: 100 }) });
  const log = manager.createLog(TOPIC, 0, "AAAAAAAAAAAAAAAAAAAAAA");
  for (let i = 0; i < 30; i++) {
    const key = `k${(i * 7) % 9}`;
    const value = i % 11 === 5 ? null : `v${i}`.padEnd(30, ".");
    log.appendAsLeader(
      codec.encodeRecordBatch({
        baseOffset: 0n, partitionLeaderEpoch: 0, attributes: 0, lastOffsetDelta: 0, firstTimestamp: BASE_TIMESTAMP, maxTimestamp: BASE_TIMESTAMP,
        producerId: -1n, producerEpoch: -1, baseSequence: -1,
        records: [{ attributes: 0, timestampDelta: 0n, offsetDelta: 0, key: Buffer.from(key), value: value === null ? null : Buffer.from(value), headers: [] }],
      }),
    );
  }
  expected = lastValues(log);
  manager.close();
}, 60_000);

afterAll(() => {
  for (const dir of [join(child, ".."), pristine]) fs.rmSync(dir, { recursive: true, force: true });
});

/** Key → last value (null for a tombstone) as a reader from the start sees it, after checking offsets only increase. */
function lastValues(log: UnifiedLog): Map<string, string | null> {
  const state = new Map<string, string | null>();
  let previous = -1n;
  for (const bytes of log.batches(0n)) {
    for (const { position, size } of batchSpans(bytes)) {
      const batch = bytes.subarray(position, position + size);
      if (readBatchHeader(batch).attributes & CONTROL_BATCH) continue;
      const decoded = codec.decodeRecordBatch(batch);
      for (const r of decoded.records) {
        const offset = decoded.baseOffset + BigInt(r.offsetDelta);
        expect(offset).toBeGreaterThan(previous);
        previous = offset;
        state.set(Buffer.from(r.key!).toString(), r.value === null ? null : Buffer.from(r.value).toString());
      }
    }
  }
  // A tombstone's key reads as absent once the tombstone is gone: compare what is live.
  for (const [k, v] of state) if (v === null) state.delete(k);
  return state;
}

function liveOf(values: Map<string, string | null>): Map<string, string | null> {
  return new Map([...values].filter(([, v]) => v !== null));
}

describe("kill -9 during cleaning", () => {
  for (const operation of ["writeSync", "renameSync", "rmSync"]) {
    it(`leaves a valid log whichever ${operation} it dies at`, () => {
      let finished = false;
      for (let nth = 1; !finished; nth++) {
        expect(nth, "the cleaning should end within this many calls").toBeLessThan(400);
        const dir = tempDir();
        fs.cpSync(pristine, dir, { recursive: true });
        const run = spawnSync(process.execPath, [child, dir, TOPIC, operation, String(nth)], { encoding: "utf8", timeout: 30_000 });
        finished = run.stdout.includes("cleaned");
        if (!finished) expect(run.signal, run.stderr).toBe("SIGKILL");

        const manager = LogManager.open([dir], { codec, logConfig: () => logConfig({ segmentBytes: 900, indexIntervalBytes: 100 }) });
        try {
          const partition = join(dir, `${TOPIC}-0`);
          expect(liveOf(lastValues(manager.getLog(TOPIC, 0)!)), `${operation} #${nth}`).toEqual(liveOf(expected));
          expect(fs.readdirSync(partition).filter((f) => /\.(cleaned|swap)$/.test(f)), `${operation} #${nth}`).toEqual([]);
        } finally {
          manager.close();
        }
      }
    }, 120_000);
  }
});
