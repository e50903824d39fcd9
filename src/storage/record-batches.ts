/** Walking RecordBatches laid back to back in memory, by their batch_length fields alone. */
import {
  BATCH_HEADER_SIZE,
  type BatchHeader,
  COMPRESSION_MASK,
  TIMESTAMP_TYPE_LOG_APPEND_TIME,
  TRANSACTIONAL_BATCH,
  batchSizeAt,
  readBatchHeader,
  setBaseOffset,
} from "../codec/batch-header.ts";
import type { Codec } from "../codec/types.ts";
import type { TimestampAndOffset } from "./log-segment.ts";

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

export interface AssignedOffsets {
  /** Each batch's place in the bytes and its header, base offset as assigned. */
  batches: (BatchSpan & { header: BatchHeader })[];
  lastOffset: bigint;
  records: number;
}

/**
 * What every engine does to batches it appends as leader: rewrites each base_offset in place so
 * batch i starts where batch i-1 ended, batch 0 at `baseOffset`. The bytes must be whole batches.
 */
export function assignOffsets(bytes: Uint8Array, baseOffset: bigint): AssignedOffsets {
  const batches = [...batchSpans(bytes)].map((span) => ({ ...span, header: readBatchHeader(bytes, span.position) }));
  const last = batches[batches.length - 1];
  if (!last || last.position + last.size !== bytes.length) throw new RangeError("append needs whole record batches");
  if (batches.some(({ header }) => header.lastOffsetDelta < 0)) throw new RangeError("last_offset_delta must not be negative");
  let nextOffset = baseOffset;
  let records = 0;
  for (const batch of batches) {
    setBaseOffset(bytes, batch.position, nextOffset);
    batch.header.baseOffset = nextOffset;
    nextOffset += BigInt(batch.header.lastOffsetDelta) + 1n;
    records += batch.header.recordsCount;
  }
  return { batches, lastOffset: nextOffset - 1n, records };
}

/**
 * The first record of a batch (known to reach `timestamp`) stamped at least `timestamp`.
 * Records are resolved inside uncompressed batches; for a compressed batch (or one stamped with
 * log-append time) the answer is the batch's base offset and max timestamp.
 */
export function recordAtOrAfter(
  codec: Pick<Codec, "decodeRecordBatch">,
  header: BatchHeader,
  bytes: () => Uint8Array,
  timestamp: bigint,
): TimestampAndOffset {
  const batchAnswer = { timestamp: header.maxTimestamp, offset: header.baseOffset };
  if ((header.attributes & (COMPRESSION_MASK | TIMESTAMP_TYPE_LOG_APPEND_TIME)) !== 0) return batchAnswer;
  const { firstTimestamp, records } = codec.decodeRecordBatch(bytes());
  const record = records.find((r) => firstTimestamp + r.timestampDelta >= timestamp);
  if (!record) return batchAnswer;
  return { timestamp: firstTimestamp + record.timestampDelta, offset: header.baseOffset + BigInt(record.offsetDelta) };
}

/** The leading batches of `records` that start before `maxOffset` (a read_committed Fetch stops at the last stable offset). */
export function batchesBefore(records: Uint8Array, maxOffset: bigint): Uint8Array {
  let end = 0;
  for (const span of batchSpans(records)) {
    if (readBatchHeader(records, span.position).baseOffset >= maxOffset) break;
    end = span.position + span.size;
  }
  return end === records.length ? records : records.subarray(0, end);
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

/** Who writes a broker batch on a producer's behalf (offsets committed in a transaction). */
export interface BatchProducer {
  producerId: bigint;
  producerEpoch: number;
  transactional: boolean;
}

/**
 * A batch the broker writes to its own logs (cluster metadata, committed offsets): no producer
 * unless given, stamped now, one record per entry in order. Its base offset is assigned on append.
 */
export function brokerBatch(
  codec: Pick<Codec, "encodeRecordBatch">,
  entries: { key: Uint8Array | null; value: Uint8Array | null }[],
  partitionLeaderEpoch = 0,
  producer?: BatchProducer,
): Uint8Array {
  const now = BigInt(Date.now());
  return codec.encodeRecordBatch({
    baseOffset: 0n,
    partitionLeaderEpoch,
    attributes: producer?.transactional ? TRANSACTIONAL_BATCH : 0,
    lastOffsetDelta: entries.length - 1,
    firstTimestamp: now,
    maxTimestamp: now,
    producerId: producer?.producerId ?? -1n,
    producerEpoch: producer?.producerEpoch ?? -1,
    baseSequence: -1,
    records: entries.map(({ key, value }, i) => ({ attributes: 0, timestampDelta: 0n, offsetDelta: i, key, value, headers: [] })),
  });
}
