/** Walking RecordBatches laid back to back in memory, by their batch_length fields alone. */
import { BATCH_HEADER_SIZE, batchSizeAt } from "../codec/batch-header.ts";

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
