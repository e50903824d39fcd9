// Sequence bookkeeping for idempotent producers, as Kafka's ProducerStateManager does it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FIRST_PRODUCER_ID, ProducerIdManager } from "../../src/coordinator/producer-id-manager.ts";
import { PRODUCER_IDS_FILE, ProducerIdFile } from "../../src/storage/files-engine.ts";
import { type AppendAnalysis, ProducerStateManager, lastSequence } from "../../src/coordinator/producer-state.ts";
import { ErrorCode } from "../../src/protocol/generated/error-codes.ts";

const PID = 1000n;
const strict = (_producerId: bigint) => true;
const batch = (baseSequence: number, records = 1, producerEpoch = 0, producerId = PID) => ({ producerId, producerEpoch, baseSequence, lastOffsetDelta: records - 1 });

/** Appends as the log would: the analysis, then complete() with the offset the log assigned. */
function appender(state: ProducerStateManager, isStrict = strict) {
  let logEndOffset = 0n;
  return (b: ReturnType<typeof batch>): AppendAnalysis | { kind: "appended"; baseOffset: bigint } => {
    const analysis = state.analyze([b], isStrict);
    if (analysis.kind !== "append") return analysis;
    const baseOffset = logEndOffset;
    analysis.complete(baseOffset);
    logEndOffset += BigInt(b.lastOffsetDelta) + 1n;
    return { kind: "appended", baseOffset };
  };
}

describe("ProducerStateManager", () => {
  it("accepts consecutive sequences and answers a retried batch with its original offset", () => {
    const append = appender(new ProducerStateManager());
    expect(append(batch(0, 3))).toEqual({ kind: "appended", baseOffset: 0n });
    expect(append(batch(3, 2))).toEqual({ kind: "appended", baseOffset: 3n });
    expect(append(batch(0, 3))).toEqual({ kind: "duplicate", firstOffset: 0n });
    expect(append(batch(3, 2))).toEqual({ kind: "duplicate", firstOffset: 3n });
    expect(append(batch(5, 1))).toEqual({ kind: "appended", baseOffset: 5n });
  });

  it("remembers only the last five batches of a producer", () => {
    const append = appender(new ProducerStateManager());
    for (let seq = 0; seq < 6; seq++) append(batch(seq));
    expect(append(batch(1))).toEqual({ kind: "duplicate", firstOffset: 1n });
    // Batch 0 fell out of the window: it is neither a known duplicate nor in sequence.
    expect(append(batch(0))).toMatchObject({ kind: "error", errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
  });

  it("refuses a gap in the sequence, a stale epoch, and a new epoch that does not start at 0", () => {
    const append = appender(new ProducerStateManager());
    append(batch(0, 2));
    expect(append(batch(5))).toMatchObject({ kind: "error", errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
    expect(append(batch(3, 1, 1))).toMatchObject({ kind: "error", errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
    expect(append(batch(0, 1, 1))).toEqual({ kind: "appended", baseOffset: 2n });
    expect(append(batch(2, 1, 0))).toMatchObject({ kind: "error", errorCode: ErrorCode.INVALID_PRODUCER_EPOCH });
  });

  it("lets a producer it has no state for start at any sequence, and wraps sequences at INT32_MAX", () => {
    const append = appender(new ProducerStateManager());
    expect(append(batch(0x7ffffffe, 3))).toEqual({ kind: "appended", baseOffset: 0n });
    expect(lastSequence(batch(0x7ffffffe, 3))).toBe(0);
    expect(append(batch(1))).toEqual({ kind: "appended", baseOffset: 3n });
  });

  it("never refuses a producer id the broker did not allocate (the challenge tester's producer 0)", () => {
    const append = appender(new ProducerStateManager(), (id) => id >= FIRST_PRODUCER_ID);
    expect(append(batch(0, 2, 0, 0n))).toEqual({ kind: "appended", baseOffset: 0n });
    expect(append(batch(0, 2, 0, 0n))).toEqual({ kind: "appended", baseOffset: 2n });
    expect(append(batch(7, 1, 0, 0n))).toEqual({ kind: "appended", baseOffset: 4n });
  });

  it("checks the batches of one append in order, as each would leave the state", () => {
    const state = new ProducerStateManager();
    const analysis = state.analyze([batch(0, 2), batch(2, 3)], strict);
    expect(analysis.kind).toBe("append");
    if (analysis.kind === "append") analysis.complete(10n);
    expect(state.analyze([batch(2, 3)], strict)).toEqual({ kind: "duplicate", firstOffset: 12n });
    expect(state.analyze([batch(0, 1), batch(7, 1)], strict)).toMatchObject({ kind: "error", errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
  });

  it("rebuilds from batches already in the log", () => {
    const state = new ProducerStateManager();
    state.load(batch(0, 4), 100n);
    state.load({ ...batch(0), producerId: -1n }, 104n);
    expect(state.analyze([batch(0, 4)], strict)).toEqual({ kind: "duplicate", firstOffset: 100n });
    expect(state.analyze([batch(4)], strict).kind).toBe("append");
  });
});

describe("ProducerIdManager", () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), "producer-ids-"));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  const openIds = (dir: string) => new ProducerIdManager(new ProducerIdFile(join(dir, PRODUCER_IDS_FILE)));

  it("never hands out the same producer id twice, across restarts", async () => {
    const dir = tempDir();
    const first = openIds(dir);
    expect(await first.generateProducerId()).toBe(FIRST_PRODUCER_ID);
    expect(await first.generateProducerId()).toBe(FIRST_PRODUCER_ID + 1n);
    const restarted = openIds(dir);
    expect(await restarted.generateProducerId()).toBe(FIRST_PRODUCER_ID + 2n);
    expect(restarted.isAllocated(FIRST_PRODUCER_ID)).toBe(true);
    expect(restarted.isAllocated(0n)).toBe(false);
  });
});
