// Idempotent appends stay checked in order when the storage's appends are asynchronous.
import { describe, expect, it } from "vitest";
import { ProducerIdManager } from "../../src/coordinator/producer-id-manager.ts";
import { ProducerStates } from "../../src/coordinator/producer-states.ts";
import { ErrorCode } from "../../src/protocol/generated/error-codes.ts";
import type { PartitionLog } from "../../src/storage/engine.ts";
import { MemoryEngine } from "../../src/storage/memory-engine.ts";
import { codec } from "../storage/support.ts";

function idempotentBatch(producerId: bigint, baseSequence: number, records = 1): Uint8Array {
  return codec.encodeRecordBatch({
    baseOffset: 0n, partitionLeaderEpoch: -1, attributes: 0, lastOffsetDelta: records - 1,
    firstTimestamp: 1n, maxTimestamp: 1n, producerId, producerEpoch: 0, baseSequence,
    records: Array.from({ length: records }, (_, i) => ({ attributes: 0, timestampDelta: 0n, offsetDelta: i, key: null, value: new Uint8Array([i]), headers: [] })),
  });
}

/** A partition log whose appends and replays resolve later, in a shuffled order of timers, as a database's would. */
function slowLog(log: PartitionLog): PartitionLog {
  const later = <T>(f: () => T) => new Promise<T>((resolve) => setTimeout(() => resolve(f()), Math.random() * 5));
  return Object.assign(Object.create(log) as PartitionLog, {
    appendAsLeader: (bytes: Uint8Array) => later(() => log.appendAsLeader(bytes)),
    async *batches(from?: bigint) {
      for (const b of await later(() => [...(log.batches(from) as Iterable<Uint8Array>)])) yield b;
    },
  });
}

describe("ProducerStates over an engine with async appends", () => {
  it("checks each idempotent append against the sequences the one before it left", async () => {
    const engine = new MemoryEngine(codec);
    const producerIds = new ProducerIdManager(engine.producerIds);
    const producerId = await producerIds.generateProducerId();
    const states = new ProducerStates(producerIds, codec);
    const log = slowLog(engine.createLog("t", 0, "71a59a51-8968-4f8b-937e-2d59b2dc350e"));

    expect(await states.appendAsLeader(log, idempotentBatch(producerId, 0, 2))).toEqual({ baseOffset: 0n, lastOffset: 1n, logAppendTime: -1n });
    // Five in flight at once, as a producer with max.in.flight 5 sends them.
    const inFlight = await Promise.all([2, 3, 4, 5, 6].map((seq) => states.appendAsLeader(log, idempotentBatch(producerId, seq))));
    expect(inFlight).toEqual([2n, 3n, 4n, 5n, 6n].map((o) => ({ baseOffset: o, lastOffset: o, logAppendTime: -1n })));
    // A retry of one of them is answered with its offset, not written again; a gap is refused.
    const [retry, gap] = await Promise.all([
      states.appendAsLeader(log, idempotentBatch(producerId, 4)),
      states.appendAsLeader(log, idempotentBatch(producerId, 9)),
    ]);
    expect(retry).toEqual({ baseOffset: 4n, lastOffset: 4n, logAppendTime: -1n });
    expect(gap).toMatchObject({ errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
    expect(log.logEndOffset).toBe(7n);
  });
});
