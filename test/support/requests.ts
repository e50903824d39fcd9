// Request bodies the failure tests send again and again: create a topic, produce a batch, fetch by name.
import { expect } from "vitest";
import { loadCodec } from "../../src/codec/index.ts";
import type { FetchRequest } from "../../src/protocol/generated/fetch-request.ts";
import type { RawClient } from "./raw-client.ts";
import { CreateTopics, Produce } from "./messages.ts";

const codec = await loadCodec("js");

/** One uncompressed batch holding `values`, offsets from 0. */
export function recordBatch(values: (string | Uint8Array)[]): Uint8Array {
  return codec.encodeRecordBatch({
    baseOffset: 0n, partitionLeaderEpoch: 0, attributes: 0, lastOffsetDelta: values.length - 1,
    firstTimestamp: 1726045973899n, maxTimestamp: 1726045973899n, producerId: -1n, producerEpoch: -1, baseSequence: -1,
    records: values.map((v, i) => ({ attributes: 0, timestampDelta: 0n, offsetDelta: i, key: null, value: typeof v === "string" ? Buffer.from(v) : v, headers: [] })),
  });
}

/** A bound for requests touching thousands of partitions on a busy machine. */
export const LARGE_REQUEST_TIMEOUT_MS = 60_000;

/** CreateTopics v7 for one topic; returns its error code. */
export async function createTopic(client: RawClient, name: string, numPartitions = 1): Promise<number> {
  const res = await client.request(CreateTopics.request, CreateTopics.response, 7, {
    topics: [{ name, numPartitions, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 30_000, validateOnly: false,
  }, LARGE_REQUEST_TIMEOUT_MS);
  return res.topics[0].errorCode;
}

export async function createTopicOk(client: RawClient, name: string, numPartitions = 1): Promise<void> {
  expect(await createTopic(client, name, numPartitions)).toBe(0);
}

export function produceBody(topic: string, partitions: { index: number; records: Uint8Array }[], acks = -1) {
  return { transactionalId: null, acks, timeoutMs: 5000, topicData: [{ name: topic, partitionData: partitions }] };
}

/** Produce v9 of one batch to one partition; returns that partition's answer. */
export async function produce(client: RawClient, topic: string, partition: number, records: Uint8Array) {
  const res = await client.request(Produce.request, Produce.response, 9, produceBody(topic, [{ index: partition, records }]));
  return res.responses[0].partitionResponses[0];
}

/** A Fetch v12 body (topics by name) reading each [partition, offset] from `topic`. */
export function fetchBody(topic: string, partitions: [number, bigint][], maxBytes: number, partitionMaxBytes = maxBytes): FetchRequest {
  return {
    maxWaitMs: 0, minBytes: 0, maxBytes, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic, partitions: partitions.map(([partition, fetchOffset]) => ({ partition, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes })) }],
    forgottenTopicsData: [], rackId: "",
  };
}
