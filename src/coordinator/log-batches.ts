/** Walking every RecordBatch of a partition log from an offset to its end, a bounded chunk at a time. */
import { readBatchHeader } from "../codec/batch-header.ts";
import { batchSpans, lastOffsetOf } from "../storage/record-batches.ts";
import type { UnifiedLog } from "../storage/unified-log.ts";

const CHUNK_BYTES = 1024 * 1024;

/** Each whole batch (a view of its bytes) from the one holding `fromOffset` to the log end offset. */
export function* batchesFrom(log: UnifiedLog, fromOffset: bigint): Generator<Uint8Array> {
  let offset = fromOffset;
  while (offset < log.logEndOffset) {
    const read = log.read(offset, CHUNK_BYTES, true);
    if (read === "OFFSET_OUT_OF_RANGE") return;
    let next = offset;
    for (const span of batchSpans(read.records)) {
      const batch = read.records.subarray(span.position, span.position + span.size);
      next = lastOffsetOf(readBatchHeader(batch)) + 1n;
      yield batch;
    }
    // A read that moved nothing forward (an empty or unreadable tail) ends the walk.
    if (next <= offset) return;
    offset = next;
  }
}
