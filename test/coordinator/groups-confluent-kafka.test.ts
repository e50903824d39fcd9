// Consumer groups with confluent-kafka for Python (librdkafka 2.0): three members share six
// partitions and two take over when one closes; a synchronous commit carries the group across a
// broker restart, resuming exactly after the committed offsets.
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestBroker, type TestBroker } from "../clients/support/broker.ts";
import { keyedMessages } from "../clients/support/messages.ts";
import { consumeInGroup, jsonLines, pythonClient } from "../clients/support/python.ts";
import { assertResumed, committedOffsets, offsetsAfter } from "./groups-support.ts";
import { describeWith } from "../support/system-clients.ts";

const PARTITIONS = 6;
const client = pythonClient("confluent_kafka_client.py");
const group = pythonClient("confluent_kafka_group.py");

let broker: TestBroker;

beforeAll(async () => {
  // A short initial delay: members starting together usually form one generation.
  broker = await startTestBroker({ groupInitialRebalanceDelayMs: 100 });
});
afterAll(async () => {
  await broker?.dispose();
});

type Assignments = { type: "assignments"; members: Record<string, number[]> };

describeWith(["confluent-kafka"], "confluent-kafka consumer group", () => {
  it("shares six partitions among three members without overlap, and two take over when one closes", async () => {
    const topic = "confluent-shared";
    await client.createTopic(broker.bootstrap, topic, PARTITIONS);
    const [three, two] = jsonLines<Assignments>(await group.run(["share", broker.bootstrap, topic, "confluent-sharers", String(PARTITIONS)]));
    // librdkafka's default range assignor: consecutive partitions, an equal share each.
    expect(Object.values(three.members).map((ps) => ps.length)).toEqual([2, 2, 2]);
    expect(Object.values(two.members).map((ps) => ps.length)).toEqual([3, 3]);
    expect(Object.keys(two.members)).toEqual(["b", "c"]);
    expect(Object.values(two.members).flat().sort()).toEqual([0, 1, 2, 3, 4, 5]);
    for (const p of three.members.a) expect(Object.values(two.members).flat()).toContain(p);
  }, 60_000);

  it("resumes after a broker restart from the offsets committed before it, re-reading only the uncommitted tail", async () => {
    const topic = "confluent-resumed";
    const groupId = "confluent-resumers";
    await client.createTopic(broker.bootstrap, topic, PARTITIONS);
    const sent = keyedMessages(720, topic);
    await client.produce(broker.bootstrap, topic, "lz4", sent.slice(0, 600));

    // Commit after 250 messages, read 50 more, close without committing them.
    const first = await consumeInGroup(group, { bootstrap: broker.bootstrap, topic, group: groupId, partitions: PARTITIONS, commitAfter: 250, stopAfter: 300 });
    expect(first.messages).toHaveLength(300);
    expect(first.committed).toEqual(committedOffsets(offsetsAfter(first.messages.slice(0, 250), PARTITIONS)));

    await broker.restart();
    // More for every partition, so each has something to resume with even if the first run read it all.
    await client.produce(broker.bootstrap, topic, "lz4", sent.slice(600));

    const resumed = await consumeInGroup(group, { bootstrap: broker.bootstrap, topic, group: groupId, partitions: PARTITIONS, commitAfter: 0, stopAfter: 0 });
    assertResumed(sent, first.messages, 250, resumed.messages, PARTITIONS);
  }, 90_000);
});
