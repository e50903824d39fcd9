// kcat's balanced consumer (-G, librdkafka 2.0 with auto commit every 100 ms): a bounded first run
// commits what it printed as it exits, and a second run in the group resumes exactly after it.
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { offsetsByPartition } from "../clients/support/kafkajs.ts";
import { startTestBroker, type TestBroker } from "../clients/support/broker.ts";
import { keyedMessages, type ReceivedMessage, type SentMessage } from "../clients/support/messages.ts";
import { runOk } from "../clients/support/process.ts";
import { assertResumed, offsetsAfter } from "./groups-support.ts";
import { describeWith } from "../support/system-clients.ts";

const PARTITIONS = 6;
const KCAT_TIMEOUT_MS = 30_000;

let broker: TestBroker;

beforeAll(async () => {
  broker = await startTestBroker({ groupInitialRebalanceDelayMs: 100 });
});
afterAll(async () => {
  await broker?.dispose();
});

function kcat(args: string[], input?: string) {
  return runOk("kcat", ["-b", broker.bootstrap, "-q", ...args], { input, timeoutMs: KCAT_TIMEOUT_MS });
}

async function produce(topic: string, messages: SentMessage[]): Promise<void> {
  await kcat(["-P", "-t", topic, "-K:"], messages.map((m) => `${m.key}:${m.value}\n`).join(""));
}

/** Reads `count` messages as a member of `group`, committing automatically; `-f '%p\t%o\t%k\t%s\n'`. */
async function consumeInGroup(group: string, topic: string, count: number): Promise<ReceivedMessage[]> {
  const { stdout } = await kcat([
    "-G", group,
    "-c", String(count),
    "-X", "auto.offset.reset=earliest",
    "-X", "enable.auto.commit=true",
    "-X", "auto.commit.interval.ms=100",
    "-X", "heartbeat.interval.ms=100",
    "-f", "%p\t%o\t%k\t%s\n",
    topic,
  ]);
  return stdout
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const [partition, offset, key, value] = line.split("\t");
      return { partition: Number(partition), offset: Number(offset), key, value, headers: [] };
    });
}

async function committed(groupId: string, topic: string): Promise<[number, string][]> {
  const admin = new Kafka({ clientId: "kcat-group-admin", brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return offsetsByPartition(offsets.partitions);
  } finally {
    await admin.disconnect();
  }
}

describeWith(["kcat"], "kcat -G consumer group", () => {
  it("resumes a second run after the offsets the first one committed", async () => {
    const topic = "kcat-resumed";
    const groupId = "kcat-resumers";
    await broker.running.broker.createTopic(topic, PARTITIONS);
    // kcat -P sets no headers unless told to.
    const sent = keyedMessages(720, topic).map((m) => ({ ...m, headers: [] }));
    await produce(topic, sent.slice(0, 600));

    const first = await consumeInGroup(groupId, topic, 250);
    expect(first).toHaveLength(250);
    // The final commit on close covers every message kcat printed and nothing more.
    const afterFirst = offsetsAfter(first, PARTITIONS);
    expect(await committed(groupId, topic)).toEqual(afterFirst.map((o, p) => [p, String(o > 0 ? o : -1)]));

    // More for every partition, so each has something to resume with even if the first run read it all.
    await produce(topic, sent.slice(600));
    const second = await consumeInGroup(groupId, topic, sent.length - 250);
    assertResumed(sent, first, 250, second, PARTITIONS);
    expect(await committed(groupId, topic)).toEqual(offsetsAfter([...first, ...second], PARTITIONS).map((o, p) => [p, String(o)]));
  }, 90_000);
});
