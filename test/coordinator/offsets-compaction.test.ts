// __consumer_offsets is compacted: after many commits of the same partitions the LogCleaner leaves
// about one record per key, and the committed offsets read back the same, after a restart too.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCodec } from "../../src/codec/index.ts";
import { ErrorCode } from "../../src/protocol/generated/error-codes.ts";
import { RawClient } from "../support/raw-client.ts";
import { startTestBroker, type TestBroker } from "../clients/support/broker.ts";
import { OffsetCommit, OffsetFetch } from "./messages.ts";

const TOPIC = "orders";
const PARTITIONS = 4;
const ROUNDS = 150;
const codec = await loadCodec("js");

let broker: TestBroker;
let client: RawClient;

beforeAll(async () => {
  // Small segments so that commits roll many; a short backoff so the cleaner looks often.
  broker = await startTestBroker({ properties: { "offsets.topic.segment.bytes": "4096" }, logCleanerBackoffMs: 20 });
  await broker.running.broker.createTopic(TOPIC, PARTITIONS);
  client = await RawClient.connect(broker.port);
});
afterAll(async () => {
  client?.close();
  await broker?.dispose();
});

async function commitAll(group: string, offset: bigint): Promise<void> {
  const r = await client.request(OffsetCommit.request, OffsetCommit.response, 9, {
    groupId: group, generationIdOrMemberEpoch: -1, memberId: "", groupInstanceId: null,
    topics: [{ name: TOPIC, partitions: Array.from({ length: PARTITIONS }, (_, p) => ({ partitionIndex: p, committedOffset: offset + BigInt(p), committedMetadata: "" })) }],
  });
  expect(r.topics.flatMap((t) => t.partitions.map((p) => p.errorCode))).toEqual(Array(PARTITIONS).fill(ErrorCode.NONE));
}

async function committed(group: string): Promise<bigint[]> {
  const r = await client.request(OffsetFetch.request, OffsetFetch.response, 7, {
    groupId: group, topics: [{ name: TOPIC, partitionIndexes: Array.from({ length: PARTITIONS }, (_, p) => p) }], requireStable: false,
  });
  return r.topics![0].partitions!.map((p) => p.committedOffset!);
}

async function offsetsRecords(): Promise<number> {
  const log = (await broker.running.broker.storage.getLog("__consumer_offsets", 0))!;
  return [...(log.batches() as Iterable<Uint8Array>)].reduce((n, b) => n + codec.decodeRecordBatch(b).records.length, 0);
}

describe("__consumer_offsets", () => {
  it("is compacted by the LogCleaner, and the offsets it keeps are the last committed", async () => {
    for (let round = 1; round <= ROUNDS; round++) await commitAll("busy", BigInt(round * 10));
    const written = ROUNDS * PARTITIONS;
    // Cleans run while commits arrive and once more after the last: wait for the log to hold
    // about one record per key below the active segment, plus what the active segment holds.
    const deadline = Date.now() + 20_000;
    while ((await offsetsRecords()) >= written / 4) {
      if (Date.now() > deadline) throw new Error(`the cleaner left ${await offsetsRecords()} of ${written} records in __consumer_offsets`);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(readFileSync(join(broker.logDir, "cleaner-offset-checkpoint"), "utf8")).toMatch(/\n__consumer_offsets 0 \d+\n/);
    const expected = Array.from({ length: PARTITIONS }, (_, p) => BigInt(ROUNDS * 10 + p));
    expect(await committed("busy")).toEqual(expected);

    await broker.restart();
    client.close();
    client = await RawClient.connect(broker.port);
    expect(await committed("busy")).toEqual(expected);
  });
});
