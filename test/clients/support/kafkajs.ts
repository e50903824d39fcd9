// kafkajs consumer-group reading, shared by the kafkajs and restart tests.
import type { IHeaders, Kafka } from "kafkajs";
import type { Header, ReceivedMessage } from "./messages.ts";
import { signal, within } from "./wait.ts";

function headerEntries(headers: IHeaders | undefined): Header[] {
  return Object.entries(headers ?? {}).flatMap(([k, v]) =>
    (Array.isArray(v) ? v : [v]).map((one) => [k, one === undefined ? "" : one.toString()] as Header),
  );
}

/**
 * Joins `groupId`, reads until `count` messages have arrived (bounded), then leaves the group,
 * which commits the consumed positions.
 */
export async function consumeWithGroup(
  kafka: Kafka,
  groupId: string,
  topic: string,
  count: number,
  fromBeginning: boolean,
): Promise<ReceivedMessage[]> {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 500 });
  const received: ReceivedMessage[] = [];
  const all = signal();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        received.push({
          partition,
          offset: Number(message.offset),
          key: message.key?.toString() ?? null,
          value: message.value?.toString() ?? null,
          headers: headerEntries(message.headers),
        });
        if (received.length === count) all.resolve();
      },
    });
    await within(all.promise, 20_000, `${count} messages from ${topic} (got ${received.length})`);
  } finally {
    await consumer.disconnect();
  }
  return received;
}

/** [partition, offset] pairs in partition order, from fetchOffsets or fetchTopicOffsets. */
export function offsetsByPartition(list: { partition: number; offset: string }[]): [number, string][] {
  return list.map((p): [number, string] => [p.partition, p.offset]).sort((a, b) => a[0] - b[0]);
}
