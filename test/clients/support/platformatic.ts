// @platformatic/kafka without a consumer group: its Fetch (v17, by topic id) driven partition by
// partition from offset 0 to the high watermark, the way an `assign`-style consumer reads.
import { type Consumer, Producer, stringSerializers } from "@platformatic/kafka";
import type { ReceivedMessage, SentMessage } from "./messages.ts";

/** The node id the broker runs as (its default `node.id`). */
export const NODE_ID = 1;

export type StringConsumer = Consumer<string, string, string, string>;
type FetchResponse = Awaited<ReturnType<StringConsumer["fetch"]>>;
type RecordsBatch = NonNullable<FetchResponse["responses"][number]["partitions"][number]["records"]>[number];

export async function topicId(consumer: StringConsumer, topic: string): Promise<string> {
  const metadata = await consumer.metadata({ topics: [topic], forceUpdate: true });
  const id = metadata.topics.get(topic)?.id;
  if (!id) throw new Error(`no topic id for ${topic}`);
  return id;
}

/** One Fetch of one partition from `fetchOffset`. */
export async function fetchPartition(
  consumer: StringConsumer,
  id: string,
  partition: number,
  fetchOffset: bigint,
  wait: { maxWaitTime: number; minBytes: number } = { maxWaitTime: 0, minBytes: 0 },
) {
  const response = await consumer.fetch({
    node: NODE_ID,
    ...wait,
    topics: [{ topicId: id, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, partitionMaxBytes: 1 << 20 }] }],
  });
  const data = response.responses[0].partitions[0];
  if (data.errorCode !== 0) throw new Error(`Fetch partition ${partition}@${fetchOffset}: error ${data.errorCode}`);
  return data;
}

/** The records of `batches` at or after `fromOffset` (a compressed batch may start before it). */
export function recordsOf(partition: number, batches: RecordsBatch[], fromOffset: bigint): ReceivedMessage[] {
  return batches.flatMap((batch) =>
    batch.records.flatMap((r) => {
      const offset = batch.firstOffset + BigInt(r.offsetDelta);
      if (offset < fromOffset) return [];
      return [
        {
          partition,
          offset: Number(offset),
          key: r.key?.toString() ?? null,
          value: r.value?.toString() ?? null,
          headers: r.headers.map(([k, v]) => [k?.toString() ?? "", v?.toString() ?? ""] as [string, string]),
        },
      ];
    }),
  );
}

/** Every record of partitions 0..partitionCount-1, each read up to the high watermark it reports. */
export async function fetchAll(consumer: StringConsumer, topic: string, partitionCount: number): Promise<ReceivedMessage[]> {
  const id = await topicId(consumer, topic);
  const received: ReceivedMessage[] = [];
  for (let partition = 0; partition < partitionCount; partition++) {
    let offset = 0n;
    // Bounded: every round must make progress or end the partition.
    for (let round = 0; round < 10_000; round++) {
      const data = await fetchPartition(consumer, id, partition, offset);
      const records = recordsOf(partition, data.records ?? [], offset);
      received.push(...records);
      if (records.length > 0) offset = BigInt(records[records.length - 1].offset) + 1n;
      if (offset >= data.highWatermark || records.length === 0) break;
    }
  }
  return received;
}

/** Produces `messages` to `topic` (acks=all) with a producer of its own. */
export async function produceAll(bootstrap: string, topic: string, messages: SentMessage[]): Promise<void> {
  const p = new Producer({ clientId: `${topic}-producer`, serializers: stringSerializers, bootstrapBrokers: [bootstrap], retries: 2, timeout: 10_000 });
  try {
    await p.send({ acks: -1, messages: messages.map((m) => ({ topic, key: m.key, value: m.value, headers: new Map(m.headers) })) });
  } finally {
    await p.close();
  }
}
