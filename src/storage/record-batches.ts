/** Walking RecordBatches laid back to back in memory, by their batch_length fields alone. */
import { BATCH_HEADER_SIZE, batchSizeAt } from "../codec/batch-header.ts";
import type { Codec } from "../codec/types.ts";

export interface BatchSpan {
  position: number;
  size: number;
}

/** The whole batches at the start of `bytes`, stopping at the first one that is cut short or too small to be a batch. */
export function* batchSpans(bytes: Uint8Array): Generator<BatchSpan> {
  let position = 0;
  for (;;) {
    const size = batchSizeAt(bytes, position);
    if (size < BATCH_HEADER_SIZE || size > bytes.length - position) return;
    yield { position, size };
    position += size;
  }
}

/** Bytes covered by the whole batches at the start of `bytes`. */
export function wholeBatchesLength(bytes: Uint8Array): number {
  let end = 0;
  for (const span of batchSpans(bytes)) end = span.position + span.size;
  return end;
}

/** The last offset of a batch: base_offset + last_offset_delta. */
export function lastOffsetOf(header: { baseOffset: bigint; lastOffsetDelta: number }): bigint {
  return header.baseOffset + BigInt(header.lastOffsetDelta);
}

/**
 * A batch the broker writes to its own logs (cluster metadata, committed offsets): no producer,
 * stamped now, one record per entry in order. Its base offset is assigned on append.
 */
export function brokerBatch(
  codec: Pick<Codec, "encodeRecordBatch">,
  entries: { key: Uint8Array | null; value: Uint8Array | null }[],
  partitionLeaderEpoch = 0,
): Uint8Array {
  const now = BigInt(Date.now());
  return codec.encodeRecordBatch({
    baseOffset: 0n,
    partitionLeaderEpoch,
    attributes: 0,
    lastOffsetDelta: entries.length - 1,
    firstTimestamp: now,
    maxTimestamp: now,
    producerId: -1n,
    producerEpoch: -1,
    baseSequence: -1,
    records: entries.map(({ key, value }, i) => ({ attributes: 0, timestampDelta: 0n, offsetDelta: i, key, value, headers: [] })),
  });
}
