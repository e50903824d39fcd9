// What the broker kept: the compression codec of every RecordBatch of a topic, read back over the
// wire with Fetch v12. The broker must store a client's compressed batches as they came.
import { expect } from "vitest";
import { RawClient } from "../../support/raw-client.ts";
import { Fetch } from "../../support/messages.ts";

const CODECS = ["none", "gzip", "snappy", "lz4", "zstd"] as const;
export type CompressionName = (typeof CODECS)[number];

/** Offset of `attributes` in a RecordBatch; its low 3 bits name the codec. */
const ATTRIBUTES_OFFSET = 21;
/** Bytes before `partitionLeaderEpoch`, not counted by `batchLength`. */
const LOG_OVERHEAD = 12;

/** The set of codecs used by the batches of `topic`'s partitions 0..partitionCount-1 (all of them: read to the end). */
export async function storedCompressions(port: number, topic: string, partitionCount: number): Promise<Set<CompressionName>> {
  const client = await RawClient.connect(port);
  try {
    const found = new Set<CompressionName>();
    for (let partition = 0; partition < partitionCount; partition++) {
      let fetchOffset = 0n;
      // Bounded: each round consumes at least one batch or stops.
      for (let round = 0; round < 10_000; round++) {
        const res = await client.request(Fetch.request, Fetch.response, 12, {
          maxWaitMs: 0,
          minBytes: 0,
          maxBytes: 1 << 20,
          topics: [{ topic, partitions: [{ partition, fetchOffset, partitionMaxBytes: 1 << 20 }] }],
        });
        const data = res.responses[0].partitions[0];
        if (data.errorCode !== 0) throw new Error(`Fetch ${topic}-${partition}@${fetchOffset}: error ${data.errorCode}`);
        const next = walkBatches(data.records ?? new Uint8Array(0), found);
        if (next === undefined || next <= fetchOffset) break;
        fetchOffset = next;
      }
    }
    return found;
  } finally {
    client.close();
  }
}

/** Adds each whole batch's codec to `found`; returns the offset after the last whole batch. */
function walkBatches(records: Uint8Array, found: Set<CompressionName>): bigint | undefined {
  const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
  let next: bigint | undefined;
  for (let pos = 0; pos + LOG_OVERHEAD <= records.length; ) {
    const baseOffset = view.getBigInt64(pos);
    const end = pos + LOG_OVERHEAD + view.getInt32(pos + 8);
    if (end > records.length) break;
    found.add(CODECS[view.getInt16(pos + ATTRIBUTES_OFFSET) & 7]);
    const lastOffsetDelta = view.getInt32(pos + 23);
    next = baseOffset + BigInt(lastOffsetDelta) + 1n;
    pos = end;
  }
  return next;
}

/**
 * The client compressed with `codec`: some batch says so and none names another codec. A batch may
 * still be stored uncompressed: librdkafka and kafka-python send a batch as is when compressing it
 * would not make it smaller (a batch of one short record).
 */
export async function expectCompressedWith(port: number, topic: string, partitionCount: number, codec: CompressionName) {
  const found = await storedCompressions(port, topic, partitionCount);
  expect(found.has(codec), `some batch of ${topic} is ${codec}-compressed (found ${[...found]})`).toBe(true);
  expect([...found].filter((c) => c !== codec && c !== "none"), `codecs other than ${codec}`).toEqual([]);
}
