/**
 * The record-batch codec's public types. Both implementations (WASM and the
 * plain-JS twin) satisfy `Codec` and must produce identical bytes and verdicts.
 */

export type CodecKind = "wasm" | "js";

export interface RecordHeader {
  key: string;
  value: Uint8Array | null;
}

/** One record inside a magic-2 RecordBatch. */
export interface Record {
  attributes: number;
  timestampDelta: bigint;
  offsetDelta: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  /** `null` encodes a header count of -1 (the challenge tester writes that); `[]` encodes 0. */
  headers: RecordHeader[] | null;
}

/** A magic-2 RecordBatch; `batchLength`, `magic` and `crc` are derived on encode. */
export interface RecordBatch {
  baseOffset: bigint;
  partitionLeaderEpoch: number;
  attributes: number;
  lastOffsetDelta: number;
  firstTimestamp: bigint;
  maxTimestamp: bigint;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  records: Record[];
}

/** A decoded batch also reports what was on the wire. */
export interface DecodedRecordBatch extends RecordBatch {
  batchLength: number;
  magic: number;
  crc: number;
}

/** Why a batch was rejected; the broker maps every one of them to CORRUPT_MESSAGE. */
export type BatchErrorCode =
  | "TRUNCATED" // fewer bytes than the header or batch_length claims
  | "BAD_LENGTH" // batch_length below the minimal header size, or records overrun it
  | "BAD_MAGIC" // magic is not 2
  | "BAD_CRC" // CRC-32C over [attributes, end) does not match
  | "BAD_RECORD" // a record's length, varints or counts are inconsistent
  | "EMPTY"; // no batch at all

export class RecordBatchError extends Error {
  constructor(
    readonly code: BatchErrorCode,
    /** Byte position (from the start of the input) of the batch that failed. */
    readonly position: number,
    message?: string,
  ) {
    super(message ?? `${code} at byte ${position}`);
    this.name = "RecordBatchError";
  }
}

/** The verdict of a walk over back-to-back batches, built without record objects. */
export interface BatchesVerdict {
  /** Batches that were entirely valid, in order, before the first error. */
  batchCount: number;
  /** Sum of the records-count fields of the valid batches. */
  recordCount: number;
  /** last_offset_delta of the last valid batch, -1 when there is none. */
  lastOffsetDelta: number;
  /** Bytes covered by the valid batches (a prefix of the input). */
  validBytes: number;
  /** The first problem found, or null when every byte belonged to a valid batch. */
  error: BatchErrorCode | null;
}

export interface Codec {
  readonly kind: CodecKind;
  /** CRC-32C (Castagnoli); unsigned 32-bit result. */
  crc32c(bytes: Uint8Array): number;
  /** Continues a CRC-32C over more bytes: `crc32cUpdate(crc32c(a), b) === crc32c(a ++ b)`; start from 0. */
  crc32cUpdate(crc: number, bytes: Uint8Array): number;
  /** Encodes a batch with magic 2, computing batch_length and the CRC; the records are written as given. */
  encodeRecordBatch(batch: RecordBatch): Uint8Array;
  /**
   * Decodes one batch at the start of `bytes` (bytes after it are ignored); throws RecordBatchError on
   * any defect. Keys, values and header values are views into `bytes`, not copies. A batch with
   * compressed records (attributes & 0x07 != 0) is valid but not decoded: it throws BAD_RECORD.
   */
  decodeRecordBatch(bytes: Uint8Array): DecodedRecordBatch;
  /** Walks back-to-back batches checking lengths, magic, CRC and record structure. */
  validateRecordBatches(bytes: Uint8Array): BatchesVerdict;
  /** Kafka varints (zig-zag LEB128) of every value, back to back. */
  encodeVarints(values: Int32Array): Uint8Array;
  /**
   * Decodes `count` varints from the start of `bytes` into `out`; returns the bytes consumed, or -1
   * if one is malformed (more than 5 bytes) or cut off by the end of `bytes`.
   */
  decodeVarints(bytes: Uint8Array, count: number, out: Int32Array): number;
}
