// RecordBatch (magic 2) as the tester encodes, decodes and validates it (§2.9, §3 "How the record batches
// are checked"). Independent of src/codec on purpose: the stage tests compare the broker against this.
import { ByteReader, ByteWriter, DecodeError } from "./bytes.ts";

export interface BatchRecord {
  attributes: number;
  timestampDelta: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  /** null = header count −1 (the tester's partition logs); [] = header count 0 (its Produce batches, metadata log). */
  headers: null | readonly [];
}

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
  records: BatchRecord[];
}

export interface DecodedRecordBatch extends RecordBatch {
  magic: number;
  crc: number;
}

/** The bytes the CRC covers start at `attributes`. */
const CRC_START = 21;
const CRC_OFFSET = 17;
/** Bytes before `partition_leader_epoch`, i.e. not counted by `batch_length`. */
const LOG_OVERHEAD = 12;

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32C (Castagnoli), reflected, init and final XOR 0xffffffff. */
export function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) crc = CRC32C_TABLE[(crc ^ b) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function encodeRecord(w: ByteWriter, record: BatchRecord, index: number): void {
  const body = new ByteWriter().i8(record.attributes).varint(record.timestampDelta).varint(index);
  for (const field of [record.key, record.value]) {
    if (field === null) body.varint(-1);
    else body.varint(field.length).bytes(field);
  }
  body.varint(record.headers === null ? -1 : 0);
  w.varint(body.length).bytes(body.finish());
}

/**
 * The tester's encoder: magic is always 2, each record's offset_delta is its index, and the CRC and
 * both lengths are computed from the fields.
 */
export function encodeRecordBatch(batch: RecordBatch): Buffer {
  const w = new ByteWriter()
    .i64(batch.baseOffset)
    .i32(0) // batch_length, patched below
    .i32(batch.partitionLeaderEpoch)
    .i8(2)
    .i32(0) // crc, patched below
    .i16(batch.attributes)
    .i32(batch.lastOffsetDelta)
    .i64(batch.firstTimestamp)
    .i64(batch.maxTimestamp)
    .i64(batch.producerId)
    .i16(batch.producerEpoch)
    .i32(batch.baseSequence)
    .i32(batch.records.length);
  batch.records.forEach((record, i) => encodeRecord(w, record, i));
  const out = w.finish();
  out.writeInt32BE(out.length - LOG_OVERHEAD, 8);
  out.writeUInt32BE(crc32c(out.subarray(CRC_START)), CRC_OFFSET);
  return out;
}

export class BatchValidationError extends Error {}

function nullableBytes(r: ByteReader, what: string): Uint8Array | null {
  const n = r.varint();
  if (n < -1) throw new BatchValidationError(`${what} length is ${n}, expected ≥ -1`);
  return n === -1 ? null : r.bytes(n, what);
}

function decodeRecord(r: ByteReader, index: number): BatchRecord {
  const length = r.varint();
  const start = r.offset;
  const attributes = r.i8();
  const timestampDelta = r.varint();
  r.varint(); // offset_delta: the CRC recomputation below uses the index instead, as the tester does
  const key = nullableBytes(r, "key");
  const value = nullableBytes(r, "value");
  const headerCount = r.varint();
  if (headerCount < -1) throw new BatchValidationError(`record ${index}: header count is ${headerCount}, expected ≥ -1`);
  if (headerCount > 0) throw new BatchValidationError(`record ${index}: ${headerCount} headers (the tester panics on record headers)`);
  const actual = r.offset - start;
  if (length <= 0 || length !== actual) {
    throw new BatchValidationError(`record ${index}: length field is ${length}, but the record takes ${actual} bytes`);
  }
  return { attributes, timestampDelta, key, value, headers: headerCount === -1 ? null : [] };
}

/** Decodes one batch at the reader's position and applies every check the tester applies to it. */
/** A batch of string values stamped alike, with no keys or headers; from a producer (id, epoch, base sequence) or none, with its attributes (transactional). */
export function valuesBatch(values: string[], producer = { producerId: -1n, producerEpoch: -1, baseSequence: -1 }, attributes = 0): Buffer {
  return encodeRecordBatch({
    baseOffset: 0n,
    partitionLeaderEpoch: -1,
    attributes,
    lastOffsetDelta: values.length - 1,
    firstTimestamp: 1726045973899n,
    maxTimestamp: 1726045973899n,
    ...producer,
    records: values.map((v) => ({ attributes: 0, timestampDelta: 0, key: null, value: new TextEncoder().encode(v), headers: [] })),
  });
}

export function decodeRecordBatch(r: ByteReader): DecodedRecordBatch {
  const baseOffset = r.i64();
  const batchLength = r.i32();
  if (batchLength <= 0) throw new BatchValidationError(`batch_length is ${batchLength}, expected > 0`);
  const start = r.offset;
  const partitionLeaderEpoch = r.i32();
  const magic = r.i8();
  const crc = r.u32();
  const attributes = r.i16();
  const lastOffsetDelta = r.i32();
  const firstTimestamp = r.i64();
  const maxTimestamp = r.i64();
  const producerId = r.i64();
  const producerEpoch = r.i16();
  const baseSequence = r.i32();
  const count = r.i32();
  const records: BatchRecord[] = [];
  for (let i = 0; i < count; i++) records.push(decodeRecord(r, i));
  const actual = r.offset - start;
  if (actual !== batchLength) {
    throw new BatchValidationError(`batch_length is ${batchLength}, but the batch holds ${actual} bytes after it`);
  }
  const batch = { baseOffset, partitionLeaderEpoch, attributes, lastOffsetDelta, firstTimestamp, maxTimestamp,
    producerId, producerEpoch, baseSequence, records };
  const expectedCrc = crc32c(encodeRecordBatch(batch).subarray(CRC_START));
  if (crc !== expectedCrc) {
    throw new BatchValidationError(`CRC mismatch: batch says 0x${hex32(crc)}, recomputed 0x${hex32(expectedCrc)}`);
  }
  return { ...batch, magic, crc };
}

/** Decodes batches back to back until `size` bytes are consumed; the count must land exactly on `size`. */
export function decodeRecordBatches(r: ByteReader, size: number): DecodedRecordBatch[] {
  const end = r.offset + size;
  const batches: DecodedRecordBatch[] = [];
  while (r.offset < end) batches.push(decodeRecordBatch(r));
  if (r.offset !== end) {
    throw new DecodeError(`record batches consumed ${r.offset - (end - size)} bytes, but COMPACT_RECORDS said ${size}`);
  }
  return batches;
}

export function hex32(n: number): string {
  return (n >>> 0).toString(16).padStart(8, "0");
}
