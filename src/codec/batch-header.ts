/**
 * Fixed-position access to a magic-2 RecordBatch header without decoding it.
 * The broker reads these fields on every append and fetch, and rewrites only
 * base_offset (bytes 0..7, outside the CRC), exactly as Kafka does.
 */

import type { DecodedRecordBatch } from "./types.ts";

export const BATCH_HEADER_SIZE = 61;
/** Bytes before the part counted by batch_length (base_offset + batch_length). */
export const BATCH_LOG_OVERHEAD = 12;

export const BatchField = {
  BaseOffset: 0,
  BatchLength: 8,
  PartitionLeaderEpoch: 12,
  Magic: 16,
  Crc: 17,
  Attributes: 21,
  LastOffsetDelta: 23,
  FirstTimestamp: 27,
  MaxTimestamp: 35,
  ProducerId: 43,
  ProducerEpoch: 51,
  BaseSequence: 53,
  RecordsCount: 57,
} as const;

export const MAGIC = 2;
/** attributes bits 0..2: none, gzip, snappy, lz4, zstd; 5..7 are not defined. */
export const COMPRESSION_MASK = 0x07;
/** attributes bit 4: written by a transactional producer (or the marker ending its transaction). */
export const TRANSACTIONAL_BATCH = 0x10;
/** attributes bit 5: a control batch (transaction markers, Raft control records), not data. */
export const CONTROL_BATCH = 0x20;
export const MAX_COMPRESSION = 4;
/** attributes bit 3: max_timestamp is the broker's log-append time, not the producer's create time. */
export const TIMESTAMP_TYPE_LOG_APPEND_TIME = 0x08;

/** The 61 header bytes of a batch: every field of a decoded batch but its records, plus their count. */
export interface BatchHeader extends Omit<DecodedRecordBatch, "records"> {
  recordsCount: number;
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Reads the header of the batch at `pos`; the caller guarantees 61 bytes are there. */
export function readBatchHeader(bytes: Uint8Array, pos = 0): BatchHeader {
  const v = view(bytes);
  return {
    baseOffset: v.getBigInt64(pos + BatchField.BaseOffset),
    batchLength: v.getInt32(pos + BatchField.BatchLength),
    partitionLeaderEpoch: v.getInt32(pos + BatchField.PartitionLeaderEpoch),
    magic: v.getInt8(pos + BatchField.Magic),
    crc: v.getUint32(pos + BatchField.Crc),
    attributes: v.getInt16(pos + BatchField.Attributes),
    lastOffsetDelta: v.getInt32(pos + BatchField.LastOffsetDelta),
    firstTimestamp: v.getBigInt64(pos + BatchField.FirstTimestamp),
    maxTimestamp: v.getBigInt64(pos + BatchField.MaxTimestamp),
    producerId: v.getBigInt64(pos + BatchField.ProducerId),
    producerEpoch: v.getInt16(pos + BatchField.ProducerEpoch),
    baseSequence: v.getInt32(pos + BatchField.BaseSequence),
    recordsCount: v.getInt32(pos + BatchField.RecordsCount),
  };
}

/** The header fields an encoder takes from the caller (batch_length and crc are filled in later). */
export type BatchHeaderFields = Omit<BatchHeader, "batchLength" | "magic" | "crc" | "recordsCount">;

/** Writes the 61-byte header at `pos` with magic 2 and zero batch_length and crc. */
export function writeBatchHeader(bytes: Uint8Array, pos: number, batch: BatchHeaderFields, recordsCount: number): void {
  const v = view(bytes);
  v.setBigInt64(pos + BatchField.BaseOffset, batch.baseOffset);
  v.setInt32(pos + BatchField.BatchLength, 0);
  v.setInt32(pos + BatchField.PartitionLeaderEpoch, batch.partitionLeaderEpoch);
  v.setInt8(pos + BatchField.Magic, MAGIC);
  v.setUint32(pos + BatchField.Crc, 0);
  v.setInt16(pos + BatchField.Attributes, batch.attributes);
  v.setInt32(pos + BatchField.LastOffsetDelta, batch.lastOffsetDelta);
  v.setBigInt64(pos + BatchField.FirstTimestamp, batch.firstTimestamp);
  v.setBigInt64(pos + BatchField.MaxTimestamp, batch.maxTimestamp);
  v.setBigInt64(pos + BatchField.ProducerId, batch.producerId);
  v.setInt16(pos + BatchField.ProducerEpoch, batch.producerEpoch);
  v.setInt32(pos + BatchField.BaseSequence, batch.baseSequence);
  v.setInt32(pos + BatchField.RecordsCount, recordsCount);
}

/** Total bytes the batch at `pos` occupies (batch_length + 12), or -1 if its length field is not there. */
export function batchSizeAt(bytes: Uint8Array, pos = 0): number {
  if (pos + BATCH_LOG_OVERHEAD > bytes.length) return -1;
  return view(bytes).getInt32(pos + BatchField.BatchLength) + BATCH_LOG_OVERHEAD;
}

export function setBaseOffset(bytes: Uint8Array, pos: number, baseOffset: bigint): void {
  view(bytes).setBigInt64(pos + BatchField.BaseOffset, baseOffset);
}

/** partition_leader_epoch is also outside the CRC; Kafka stamps the leader's epoch there. */
export function setPartitionLeaderEpoch(bytes: Uint8Array, pos: number, epoch: number): void {
  view(bytes).setInt32(pos + BatchField.PartitionLeaderEpoch, epoch);
}

/**
 * Stamps the batch at `pos` with log-append time, as Kafka does for message.timestamp.type=LogAppendTime:
 * the timestamp-type attribute bit and max_timestamp change, so the CRC (attributes to the end) is recomputed.
 */
export function setLogAppendTime(bytes: Uint8Array, pos: number, timestamp: bigint, crc32c: (bytes: Uint8Array) => number): void {
  const v = view(bytes);
  v.setInt16(pos + BatchField.Attributes, v.getInt16(pos + BatchField.Attributes) | TIMESTAMP_TYPE_LOG_APPEND_TIME);
  v.setBigInt64(pos + BatchField.MaxTimestamp, timestamp);
  const end = pos + batchSizeAt(bytes, pos);
  v.setUint32(pos + BatchField.Crc, crc32c(bytes.subarray(pos + BatchField.Attributes, end)));
}
