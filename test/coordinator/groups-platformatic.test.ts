// @platformatic/kafka consumer groups with explicit commits (OffsetCommit v8-9, OffsetFetch by
// group): commit after some messages, close, and a new consumer in the group resumes exactly there.
import { Admin, Consumer, type Message, MessagesStreamFallbackModes, MessagesStreamModes, stringDeserializers } from "@platformatic/kafka";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiLog, logApiVersions } from "../clients/support/api-log.ts";
import { startTestBroker, type TestBroker } from "../clients/support/broker.ts";
import { keyedMessages, type ReceivedMessage, type SentMessage } from "../clients/support/messages.ts";
import { produceAll, type StringConsumer } from "../clients/support/platformatic.ts";
import { signal, within } from "../clients/support/wait.ts";
import { assertResumed, offsetsAfter } from "./groups-support.ts";

const PARTITIONS = 6;
const TOPIC = "platformatic-resumed";
const GROUP = "platformatic-resumers";

let broker: TestBroker;
let apiLog: ApiLog;
const clients: { close(): Promise<unknown> }[] = [];

beforeAll(async () => {
  broker = await startTestBroker({ groupInitialRebalanceDelayMs: 100 });
  apiLog = logApiVersions(broker.running.broker);
});
afterAll(async () => {
  for (const client of clients.splice(0)) await client.close();
  await broker?.dispose();
});

const base = () => ({ bootstrapBrokers: [broker.bootstrap], retries: 2, timeout: 10_000 });

function consumer(): StringConsumer {
  const c = new Consumer({ clientId: "platformatic-group", groupId: GROUP, deserializers: stringDeserializers, heartbeatInterval: 500, ...base() });
  clients.push(c);
  return c;
}

const send = (messages: SentMessage[]) => produceAll(broker.bootstrap, TOPIC, messages);

/** Joins the group with `mode`, collects the first `count` messages delivered, closes the stream. */
async function consumeFirst(c: StringConsumer, mode: "earliest" | "committed", count: number): Promise<ReceivedMessage[]> {
  const stream = await c.consume({ topics: [TOPIC], mode, fallbackMode: MessagesStreamFallbackModes.EARLIEST, autocommit: false, maxWaitTime: 200 });
  const messages: ReceivedMessage[] = [];
  const all = signal();
  stream.on("data", (m: Message<string, string, string, string>) => {
    if (messages.length === count) return;
    messages.push({ partition: m.partition, offset: Number(m.offset), key: m.key, value: m.value, headers: [...m.headers.entries()] });
    if (messages.length === count) all.resolve();
  });
  try {
    await within(all.promise, 20_000, `${count} messages (got ${messages.length})`);
  } finally {
    await stream.close();
  }
  return messages;
}

describe("@platformatic/kafka consumer group", () => {
  it("resumes a new consumer from explicitly committed offsets, re-reading only the uncommitted tail", async () => {
    const admin = new Admin({ clientId: "platformatic-group-admin", ...base() });
    clients.push(admin);
    await admin.createTopics({ topics: [TOPIC], partitions: PARTITIONS, replicas: 1 });
    const sent = keyedMessages(720, TOPIC);
    await send(sent.slice(0, 600));

    // Read 300, commit after the first 250, leave without committing the rest.
    const firstConsumer = consumer();
    const first = await consumeFirst(firstConsumer, MessagesStreamModes.EARLIEST, 300);
    const next = offsetsAfter(first.slice(0, 250), PARTITIONS);
    await firstConsumer.commit({
      offsets: next.flatMap((offset, partition) => (offset > 0 ? [{ topic: TOPIC, partition, offset: BigInt(offset), leaderEpoch: 0 }] : [])),
    });
    const listed = await firstConsumer.listCommittedOffsets({ topics: [{ topic: TOPIC, partitions: [0, 1, 2, 3, 4, 5] }] });
    expect(listed.get(TOPIC)).toEqual(next.map((o) => BigInt(o > 0 ? o : -1)));
    await firstConsumer.close();

    // More for every partition, so each has something to resume with even if the first run read it all.
    await send(sent.slice(600));
    const resumed = await consumeFirst(consumer(), MessagesStreamModes.COMMITTED, sent.length - 250);
    assertResumed(sent, first, 250, resumed, PARTITIONS);

    expect(apiLog.max("OffsetCommit")).toBeGreaterThanOrEqual(8);
    expect(apiLog.max("OffsetFetch")).toBeGreaterThanOrEqual(8);
    expect(apiLog.max("JoinGroup")).toBeGreaterThanOrEqual(6);
  }, 60_000);
});
