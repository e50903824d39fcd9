// The tester's cross-field checks (its AssertAcrossFields), run once a response decoded completely, and
// the Produce on-disk check (AssertLogFilesOnDisk).
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ByteReader, toHex } from "./bytes.ts";
import { LOG_FILE } from "./kafka-files.ts";
import { decodeRecordBatch, encodeRecordBatch, hex32, type RecordBatch } from "./record-batch.ts";
import { API_VERSIONS } from "./tester-requests.ts";
import {
  checkMessageSize, decodeApiVersionsResponse, fail, type ApiVersionEntry, type DescribedTopic, type FetchedTopic, type ProducedPartition, type ProducedTopic,
} from "./tester-responses.ts";

export interface ExpectedApiVersion {
  apiKey: number;
  /** The version the tester needs; the broker's range must reach it and start at or above 0. */
  maxVersion: number;
}

/** ApiVersions: at least `minEntries` keys, and each expected key's range (first match) covers its version. */
export function checkApiVersions(entries: ApiVersionEntry[], minEntries: number, expected: ExpectedApiVersion[]): void {
  if (entries.length < minEntries) {
    fail(`Expected ApiKeys array to include atleast ${minEntries} keys, got ${entries.length}`);
  }
  for (const want of expected) {
    const got = entries.find((e) => e.apiKey === want.apiKey);
    if (!got) fail(`Expected ApiKeys array to include key ${want.apiKey}, got keys [${entries.map((e) => e.apiKey)}]`);
    if (got.minVersion < 0 || got.minVersion > want.maxVersion) {
      fail(`Expected min version of key ${want.apiKey} to be in [0, ${want.maxVersion}], got ${got.minVersion}`);
    }
    if (got.maxVersion < want.maxVersion) {
      fail(`Expected max version of key ${want.apiKey} to be ≥ ${want.maxVersion}, got ${got.maxVersion}`);
    }
  }
}

/** The pv1 assertions (size, correlation id, error 0, key 18 covers v4), plus `extra` keys with ≥ 2 entries. */
export function checkApiVersionsResponse(response: Buffer, correlationId: number, extra: ExpectedApiVersion[] = []): void {
  checkMessageSize(response);
  const entries = decodeApiVersionsResponse(response, correlationId);
  checkApiVersions(entries, extra.length > 0 ? 2 : 1, [{ apiKey: API_VERSIONS, maxVersion: 4 }, ...extra]);
}

/** Go's byte-wise string order. */
export function byName<T extends { name: string }>(a: T, b: T): number {
  return Buffer.compare(Buffer.from(a.name), Buffer.from(b.name));
}

function expectEqual(what: string, actual: unknown, expected: unknown): void {
  if (actual !== expected) fail(`Expected ${what} to be ${String(expected)}, got ${String(actual)}`);
}

/** DTP: topics in name order, each with its partitions in index order (both order-sensitive). */
export function checkDescribedTopics(actual: DescribedTopic[], expected: DescribedTopic[]): void {
  const sorted = [...expected].sort(byName);
  expectEqual("topics count", actual.length, sorted.length);
  sorted.forEach((want, i) => {
    const got = actual[i];
    expectEqual(`topics[${i}].name`, got.name, want.name);
    expectEqual(`topics[${i}].topic_id`, got.topicId, want.topicId);
    expectEqual(`topics[${i}].error_code`, got.errorCode, want.errorCode);
    expectEqual(`topics[${i}].partitions count`, got.partitions.length, want.partitions.length);
    want.partitions.forEach((p, j) => {
      expectEqual(`topics[${i}].partitions[${j}].partition_index`, got.partitions[j].partitionIndex, p.partitionIndex);
      expectEqual(`topics[${i}].partitions[${j}].error_code`, got.partitions[j].errorCode, p.errorCode);
    });
  });
}

export interface ExpectedFetch {
  topicId: string;
  errorCode: number;
  /** The batches written to disk, compared byte for byte after re-encoding (eg2, fd8); undefined = not compared. */
  batches?: RecordBatch[];
}

/** Fetch: exactly one topic with the requested id, one partition with index 0 and the expected error. */
export function checkFetchedTopic(actual: FetchedTopic[], expected: ExpectedFetch): void {
  expectEqual("responses count", actual.length, 1);
  const [topic] = actual;
  expectEqual("responses[0].topic_id", topic.topicId, expected.topicId);
  expectEqual("responses[0].partitions count", topic.partitions.length, 1);
  const [partition] = topic.partitions;
  expectEqual("responses[0].partitions[0].error_code", partition.errorCode, expected.errorCode);
  expectEqual("responses[0].partitions[0].partition_index", partition.partitionIndex, 0);
  if (expected.batches === undefined) return;
  // The tester re-encodes both sides with the same encoder and compares the byte strings.
  const want = Buffer.concat(expected.batches.map(encodeRecordBatch));
  const got = Buffer.concat(partition.batches.map(encodeRecordBatch));
  if (!want.equals(got)) {
    fail(`Record batches differ from the log on disk (${partition.batches.length} batches received, ` +
      `${expected.batches.length} on disk)\n  expected: ${toHex(want)}\n  received: ${toHex(got)}`);
  }
}

export type ExpectedProducePartition = Omit<ProducedPartition, "index">;

export const PRODUCE_SUCCESS: ExpectedProducePartition = {
  errorCode: 0, baseOffset: 0n, logAppendTimeMs: -1n, logStartOffset: 0n,
};
export const PRODUCE_UNKNOWN: ExpectedProducePartition = {
  errorCode: 3, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n,
};

/** Produce: topics found by name and partitions by index, in any order; the counts must match exactly. */
export function checkProducedTopics(
  actual: ProducedTopic[], request: { name: string; partitions: { index: number }[] }[], expected: ExpectedProducePartition,
): void {
  expectEqual("responses count", actual.length, request.length);
  for (const want of request) {
    const got = actual.find((t) => t.name === want.name);
    if (!got) fail(`Expected a response for topic ${want.name}, got topics [${actual.map((t) => t.name)}]`);
    expectEqual(`${want.name} partitions count`, got.partitions.length, want.partitions.length);
    for (const { index } of want.partitions) {
      const p = got.partitions.find((x) => x.index === index);
      if (!p) fail(`Expected a response for ${want.name} partition ${index}, got [${got.partitions.map((x) => x.index)}]`);
      const where = `${want.name}-${index}`;
      expectEqual(`${where} error_code`, p.errorCode, expected.errorCode);
      expectEqual(`${where} base_offset`, p.baseOffset, expected.baseOffset);
      expectEqual(`${where} log_append_time_ms`, p.logAppendTimeMs, expected.logAppendTimeMs);
      expectEqual(`${where} log_start_offset`, p.logStartOffset, expected.logStartOffset);
    }
  }
}

/** The first batch of <logDir>/<topic>-<partition>/00000000000000000000.log validates and carries the sent CRC. */
export async function checkLogFileOnDisk(logDir: string, topic: string, partition: number, sentCrc: number): Promise<void> {
  const path = join(logDir, `${topic}-${partition}`, LOG_FILE);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch {
    return fail(`Expected log file ${path} to exist after Produce`);
  }
  let crc: number;
  try {
    crc = decodeRecordBatch(new ByteReader(bytes)).crc;
  } catch (err) {
    return fail(`First batch of ${path} (${bytes.length} bytes) is invalid: ${(err as Error).message}`);
  }
  if (crc !== sentCrc) fail(`Expected the first batch in ${path} to have CRC 0x${hex32(sentCrc)}, got 0x${hex32(crc)}`);
}
