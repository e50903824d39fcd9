// What a client sees on the wire: ordering, pipelining, split frames, and bad input of every kind.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBroker, type RunningBroker } from "../../src/index.ts";
import { loadCodec } from "../../src/codec/index.ts";
import { ErrorCode } from "../../src/protocol/generated/error-codes.ts";
import { RawClient } from "../support/raw-client.ts";
import { ApiVersions, CreateTopics, Fetch, Metadata, Produce } from "../support/messages.ts";
import { silentLogger } from "../../src/logger.ts";

let running: RunningBroker;
let dir: string;
const codec = await loadCodec("js");

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "broker-conn-"));
  running = await startBroker({ logDirs: [dir], logger: silentLogger, socketRequestMaxBytes: 1024 * 1024 });
});
afterAll(async () => {
  await running?.close();
  rmSync(dir, { recursive: true, force: true });
});

const apiVersionsBody = { clientSoftwareName: "test", clientSoftwareVersion: "1" };

function batch(values: string[]) {
  return codec.encodeRecordBatch({
    baseOffset: 0n, partitionLeaderEpoch: 0, attributes: 0, lastOffsetDelta: values.length - 1,
    firstTimestamp: 1726045973899n, maxTimestamp: 1726045973899n, producerId: -1n, producerEpoch: -1, baseSequence: -1,
    records: values.map((v, i) => ({ attributes: 0, timestampDelta: 0n, offsetDelta: i, key: null, value: Buffer.from(v), headers: [] })),
  });
}

async function createTopic(client: RawClient, name: string, numPartitions = 1) {
  const res = await client.request(CreateTopics.request, CreateTopics.response, 7, {
    topics: [{ name, numPartitions, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1000, validateOnly: false,
  });
  expect(res.topics[0].errorCode).toBe(ErrorCode.NONE);
}

function produceBody(topic: string, records: Uint8Array, acks = -1) {
  return { transactionalId: null, acks, timeoutMs: 1000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] };
}

describe("connection", () => {
  it("answers ApiVersions with header v0 and the implemented APIs", async () => {
    const client = await RawClient.connect(running.port);
    const res = await client.request(ApiVersions.request, ApiVersions.response, 4, apiVersionsBody);
    expect(res.errorCode).toBe(0);
    const keys = new Map(res.apiKeys.map((k) => [k.apiKey, k]));
    expect(keys.get(18)).toMatchObject({ minVersion: 0, maxVersion: 4 });
    expect(keys.get(0)!.maxVersion).toBeGreaterThanOrEqual(11);
    expect(keys.get(1)!.maxVersion).toBeGreaterThanOrEqual(16);
    expect(keys.get(75)).toMatchObject({ minVersion: 0, maxVersion: 0 });
    client.close();
  });

  it("answers an unsupported ApiVersions version with UNSUPPORTED_VERSION in the v0 layout", async () => {
    const client = await RawClient.connect(running.port);
    client.write(client.frame({ ...ApiVersions.request, flexibleVersions: 3 }, 1234, apiVersionsBody, 99));
    const frame = (await client.readFrame())!;
    const view = new DataView(frame.buffer, frame.byteOffset);
    expect(view.getInt32(0)).toBe(99);
    expect(view.getInt16(4)).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect(view.getInt32(6)).toBe(1); // an INT32 array count: the v0 layout
    client.close();
  });

  it("answers pipelined requests in request order", async () => {
    const client = await RawClient.connect(running.port);
    const frames = [
      client.frame(ApiVersions.request, 4, apiVersionsBody, 1),
      client.frame(Metadata.request, 12, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }, 2),
      client.frame(ApiVersions.request, 3, apiVersionsBody, 3),
    ];
    client.write(Buffer.concat(frames));
    const ids = [];
    for (let i = 0; i < 3; i++) {
      const frame = (await client.readFrame())!;
      ids.push(new DataView(frame.buffer, frame.byteOffset).getInt32(0));
    }
    expect(ids).toEqual([1, 2, 3]);
    client.close();
  });

  it("reassembles a request split into single bytes", async () => {
    const client = await RawClient.connect(running.port);
    const frame = client.frame(ApiVersions.request, 4, apiVersionsBody, 42);
    for (const byte of frame) {
      client.write(Uint8Array.of(byte));
      await new Promise((resolve) => setImmediate(resolve));
    }
    const response = (await client.readFrame())!;
    expect(new DataView(response.buffer, response.byteOffset).getInt32(0)).toBe(42);
    client.close();
  });

  it.each([
    ["a negative message_size", Uint8Array.of(0xff, 0xff, 0xff, 0xfe)],
    ["a message_size above socket.request.max.bytes", Uint8Array.of(0x7f, 0xff, 0xff, 0xff, 0, 0)],
    ["an unknown api key", Uint8Array.of(0, 0, 0, 8, 0x7f, 0x00, 0, 0, 0, 0, 0, 1)],
    ["an unsupported Produce version", Uint8Array.of(0, 0, 0, 10, 0, 0, 0, 99, 0, 0, 0, 1, 0xff, 0xff)],
    ["a truncated Metadata body", Uint8Array.of(0, 0, 0, 12, 0, 3, 0, 1, 0, 0, 0, 1, 0xff, 0xff, 0, 0x10)],
    ["garbage", Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 0xff)],
  ])("closes the connection on %s and keeps serving others", async (_name, bytes) => {
    const bad = await RawClient.connect(running.port);
    bad.write(bytes);
    expect(await bad.waitClosed()).toBe(true);
    const good = await RawClient.connect(running.port);
    const res = await good.request(ApiVersions.request, ApiVersions.response, 4, apiVersionsBody);
    expect(res.errorCode).toBe(0);
    good.close();
  });
});

describe("produce and fetch over the wire", () => {
  it("rejects a batch whose CRC is wrong with CORRUPT_MESSAGE and stores nothing", async () => {
    const client = await RawClient.connect(running.port);
    await createTopic(client, "crc-check");
    const records = batch(["hello"]).slice();
    records[records.length - 1] ^= 0x01;
    const res = await client.request(Produce.request, Produce.response, 11, produceBody("crc-check", records));
    expect(res.responses[0].partitionResponses[0]).toMatchObject({ errorCode: ErrorCode.CORRUPT_MESSAGE, baseOffset: -1n });
    expect((await running.broker.partitionLog("crc-check", 0))!.logEndOffset).toBe(0n);
    client.close();
  });

  it("answers UNKNOWN_TOPIC_OR_PARTITION for a topic or partition that does not exist", async () => {
    const client = await RawClient.connect(running.port);
    const res = await client.request(Produce.request, Produce.response, 11, produceBody("no-such-topic", batch(["x"])));
    expect(res.responses[0].partitionResponses[0]).toMatchObject({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, baseOffset: -1n });
    client.close();
  });

  it("assigns consecutive offsets and serves the stored bytes back", async () => {
    const client = await RawClient.connect(running.port);
    await createTopic(client, "round-trip");
    const first = await client.request(Produce.request, Produce.response, 11, produceBody("round-trip", batch(["a", "b", "c"])));
    const second = await client.request(Produce.request, Produce.response, 9, produceBody("round-trip", batch(["d"])));
    expect(first.responses[0].partitionResponses[0].baseOffset).toBe(0n);
    expect(second.responses[0].partitionResponses[0].baseOffset).toBe(3n);
    const meta = await client.request(Metadata.request, Metadata.response, 12, { topics: [{ name: "round-trip", topicId: "00000000-0000-0000-0000-000000000000" }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    const topicId = meta.topics[0].topicId!;
    const fetched = await client.request(Fetch.request, Fetch.response, 16, {
      maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topicId, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 1n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [], rackId: "",
    });
    const p = fetched.responses[0].partitions[0];
    expect(p.errorCode).toBe(0);
    expect(p.highWatermark).toBe(4n);
    const batches = [];
    for (let pos = 0; pos < p.records!.length; ) {
      const b = codec.decodeRecordBatch(p.records!.subarray(pos));
      batches.push(b);
      pos += b.batchLength + 12;
    }
    // Offset 1 lies inside the first batch, which is served whole, as Kafka does.
    expect(batches.map((b) => b.baseOffset)).toEqual([0n, 3n]);
    expect(batches.flatMap((b) => b.records.map((r) => Buffer.from(r.value!).toString()))).toEqual(["a", "b", "c", "d"]);
    client.close();
  });

  it("sends no response for acks=0 but still appends", async () => {
    const client = await RawClient.connect(running.port);
    await createTopic(client, "fire-and-forget");
    client.write(client.frame(Produce.request, 11, produceBody("fire-and-forget", batch(["z"]), 0), 500));
    const res = await client.request(ApiVersions.request, ApiVersions.response, 4, apiVersionsBody);
    expect(res.correlationId).not.toBe(500);
    expect((await running.broker.partitionLog("fire-and-forget", 0))!.logEndOffset).toBe(1n);
    client.close();
  });

  it("stops a long-polling Fetch as soon as its client disconnects", async () => {
    const client = await RawClient.connect(running.port);
    await createTopic(client, "long-poll");
    const meta = await client.request(Metadata.request, Metadata.response, 12, { topics: [{ name: "long-poll", topicId: "00000000-0000-0000-0000-000000000000" }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    const log = (await running.broker.partitionLog("long-poll", 0))!;
    // Observe the waiting Fetch through the log's append subscription: when it subscribes, and when it lets go.
    let released!: () => void;
    const letGo = new Promise<void>((resolve) => (released = resolve));
    const waiting = new Promise<void>((resolve) => {
      const subscribe = log.onAppend.bind(log);
      log.onAppend = (listener) => {
        resolve();
        const unsubscribe = subscribe(listener);
        return () => {
          unsubscribe();
          released();
        };
      };
    });
    client.write(client.frame(Fetch.request, 16, {
      maxWaitMs: 60_000, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topicId: meta.topics[0].topicId!, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [], rackId: "",
    }));
    await waiting;
    client.close();
    // Resolves long before the 60 s max_wait_ms; the test's own timeout (20 s) bounds it.
    await letGo;
  });
});
