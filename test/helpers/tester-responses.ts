// The tester's response decoders (§3): exactly its layouts, with its single-field checks applied the
// moment a field is decoded, so the first failure reported is the one the tester would report.
import { ByteReader, DecodeError } from "./bytes.ts";
import { decodeRecordBatches, type DecodedRecordBatch } from "./record-batch.ts";

/** A check the tester would fail the stage on. */
export class StageFailure extends Error {}

export function fail(message: string): never {
  throw new StageFailure(message);
}

/** §2.8 item 1: message_size must equal the bytes received within the read window, minus 4. */
export function checkMessageSize(response: Buffer): void {
  if (response.length < 4) fail(`Expected 4-byte integer (message size), only found ${response.length} bytes`);
  const size = response.readInt32BE(0);
  const expected = response.length - 4;
  if (size === expected) return;
  const hint = size === response.length ? " (The Message Size field should not count itself)" : "";
  fail(`Expected message size to be ${expected} (bytes received − 4), got ${size}${hint}`);
}

function payload(response: Buffer): ByteReader {
  return new ByteReader(response.subarray(4));
}

function expectField(name: string, actual: number, expected: number): void {
  if (actual !== expected) fail(`Expected ${name} to be ${expected}, got ${actual}`);
}

function correlationId(r: ByteReader, expected: number): void {
  expectField("correlation_id", r.i32(), expected);
}

/** nv3 / wa6: only the correlation id, and at least 8 bytes. */
export function decodeCorrelationIdOnly(response: Buffer, expected: number): void {
  if (response.length < 8) fail(`Expected at least 8 bytes (message_size + correlation_id), got ${response.length}`);
  correlationId(payload(response), expected);
}

/** nc5: the correlation id, then an i16 error code that must be 35 (UNSUPPORTED_VERSION). */
export function decodeUnsupportedVersion(response: Buffer, expected: number): void {
  const r = payload(response);
  correlationId(r, expected);
  expectField("error_code", r.i16(), 35);
}

export interface ApiVersionEntry {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

/** ApiVersions v4 with response header v0 (no tag buffer after the correlation id). */
export function decodeApiVersionsResponse(response: Buffer, expectedCorrelationId: number): ApiVersionEntry[] {
  const r = payload(response);
  correlationId(r, expectedCorrelationId);
  expectField("error_code", r.i16(), 0);
  const apiKeys = r.compactArray(() => {
    const entry = { apiKey: r.i16(), minVersion: r.i16(), maxVersion: r.i16() };
    r.tagBuffer();
    return entry;
  });
  r.i32(); // throttle_time_ms: any value
  r.tagBuffer();
  return apiKeys;
}

/** Single-field check on a raw COMPACT_ARRAY length byte (DTP topics, Fetch responses). */
function rawLengthByte(r: ByteReader, field: string, count: number): void {
  const raw = r.u8();
  r.offset -= 1;
  const hex = (b: number) => `0x${b.toString(16).padStart(2, "0")}`;
  if (raw !== count + 1) fail(`Expected ${field} length byte to be ${hex(count + 1)} (${count} entries), got ${hex(raw)}`);
}

export interface DescribedTopic {
  errorCode: number;
  name: string;
  topicId: string;
  partitions: { errorCode: number; partitionIndex: number }[];
}

/** DescribeTopicPartitions v0, response header v1. */
export function decodeDescribeTopicPartitionsResponse(
  response: Buffer, expectedCorrelationId: number, expectedTopicCount: number,
): DescribedTopic[] {
  const r = payload(response);
  correlationId(r, expectedCorrelationId);
  r.tagBuffer();
  r.i32(); // throttle_time_ms
  rawLengthByte(r, "topics", expectedTopicCount);
  const topics = r.compactArray((): DescribedTopic => {
    const errorCode = r.i16();
    const name = r.compactNullableString();
    const topicId = r.uuid();
    r.i8(); // is_internal
    const partitions = r.compactArray(() => {
      const partition = { errorCode: r.i16(), partitionIndex: r.i32() };
      r.i32(); // leader_id
      r.i32(); // leader_epoch
      for (let i = 0; i < 5; i++) r.compactArray(() => r.i32()); // replica, isr, elr, last known elr, offline
      r.tagBuffer();
      return partition;
    });
    r.i32(); // topic_authorized_operations
    r.tagBuffer();
    return { errorCode, name, topicId, partitions };
  });
  expectField("next_cursor marker", r.i8(), -1);
  r.tagBuffer();
  return topics;
}

export interface FetchedPartition {
  partitionIndex: number;
  errorCode: number;
  /** Decoded and validated (lengths, CRC) like the tester does, whether or not the stage compares them. */
  batches: DecodedRecordBatch[];
}

export interface FetchedTopic {
  topicId: string;
  partitions: FetchedPartition[];
}

function compactRecords(r: ByteReader): DecodedRecordBatch[] {
  const n = r.uvarint("COMPACT_RECORDS length");
  if (n === 0) return [];
  const size = n - 1;
  if (size > r.remaining) throw new DecodeError(`COMPACT_RECORDS says ${size} bytes, only ${r.remaining} remain`);
  return decodeRecordBatches(r, size);
}

/** Fetch v16, response header v1. */
export function decodeFetchResponse(response: Buffer, expectedCorrelationId: number, expectedTopicCount: number): FetchedTopic[] {
  const r = payload(response);
  correlationId(r, expectedCorrelationId);
  r.tagBuffer();
  expectField("throttle_time_ms", r.i32(), 0);
  expectField("error_code", r.i16(), 0);
  r.i32(); // session_id
  rawLengthByte(r, "responses", expectedTopicCount);
  const topics = r.compactArray((): FetchedTopic => {
    const topicId = r.uuid();
    const partitions = r.compactArray((): FetchedPartition => {
      const partitionIndex = r.i32();
      const errorCode = r.i16();
      r.i64(); // high_watermark
      r.i64(); // last_stable_offset
      r.i64(); // log_start_offset
      r.compactArray(() => [r.i64(), r.i64()]); // aborted_transactions: no per-entry tag buffer, as in the tester
      r.i32(); // preferred_read_replica
      const batches = compactRecords(r);
      r.tagBuffer();
      return { partitionIndex, errorCode, batches };
    });
    r.tagBuffer();
    return { topicId, partitions };
  });
  r.tagBuffer();
  return topics;
}

export interface ProducedPartition {
  index: number;
  errorCode: number;
  baseOffset: bigint;
  logAppendTimeMs: bigint;
  logStartOffset: bigint;
}

export interface ProducedTopic {
  name: string;
  partitions: ProducedPartition[];
}

/** Produce v11, response header v1; throttle_time_ms comes after the topics. */
export function decodeProduceResponse(response: Buffer, expectedCorrelationId: number): ProducedTopic[] {
  const r = payload(response);
  correlationId(r, expectedCorrelationId);
  r.tagBuffer();
  const topics = r.compactArray((): ProducedTopic => {
    const name = r.compactString();
    const partitions = r.compactArray((): ProducedPartition => {
      const partition = {
        index: r.i32(), errorCode: r.i16(), baseOffset: r.i64(), logAppendTimeMs: r.i64(), logStartOffset: r.i64(),
      };
      r.compactArray(() => {
        r.i32();
        r.compactNullableString();
        r.tagBuffer();
      });
      r.compactNullableString(); // error_message
      r.tagBuffer();
      return partition;
    });
    r.tagBuffer();
    return { name, partitions };
  });
  expectField("throttle_time_ms", r.i32(), 0);
  r.tagBuffer();
  return topics;
}
