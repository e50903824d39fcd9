// Transactions with confluent-kafka for Python (librdkafka): init_transactions, produce to three
// partitions, send_offsets_to_transaction, commit and abort; isolation.level read_committed and
// read_uncommitted consumers; a second producer of one transactional.id fencing the first.
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestBroker, type TestBroker } from "../clients/support/broker.ts";
import { jsonLines, pythonClient } from "../clients/support/python.ts";
import type { ReceivedMessage } from "../clients/support/messages.ts";
import { describeWith } from "../support/system-clients.ts";

const client = pythonClient("confluent_kafka_client.py");
const txn = pythonClient("confluent_kafka_txn.py");

let broker: TestBroker;

beforeAll(async () => {
  broker = await startTestBroker();
});
afterAll(async () => {
  await broker?.dispose();
});

const values = (tag: string, count: number) => Array.from({ length: count }, (_, i) => `${tag}-${i}`);

async function consumed(topic: string, isolation: string): Promise<ReceivedMessage[]> {
  return jsonLines<ReceivedMessage>(await client.run(["consume", broker.bootstrap, topic, "3", isolation]));
}

describeWith(["confluent-kafka"], "confluent-kafka transactions", () => {
  it("commits and aborts transactions over three partitions; read_committed reads only the committed ones, in offset order", async () => {
    const [topic, input, group] = ["txn-confluent-out", "txn-confluent-in", "txn-confluent-app"];
    await client.createTopic(broker.bootstrap, topic, 3);
    await client.createTopic(broker.bootstrap, input, 1);
    await txn.run(["transact", broker.bootstrap, topic, input, group, "txn-confluent-1"]);

    const committed = await consumed(topic, "read_committed");
    expect(committed.map((m) => m.value).sort()).toEqual([...values("committed-a", 30), ...values("committed-b", 9)].sort());
    for (const p of [0, 1, 2]) {
      const offsets = committed.filter((m) => m.partition === p).map((m) => m.offset);
      expect(offsets, `offsets of partition ${p} increase`).toEqual([...offsets].sort((a, b) => a - b));
    }
    const everything = await consumed(topic, "read_uncommitted");
    expect(everything.map((m) => m.value).sort()).toEqual([...values("committed-a", 30), ...values("aborted", 15), ...values("committed-b", 9)].sort());

    // The offsets sent with the committed transaction are the group's; the aborted one's are not.
    const kafka = new Kafka({ clientId: "txn-confluent-check", brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [input] });
      expect(offsets.partitions.map((o) => [o.partition, o.offset])).toEqual([[0, "30"]]);
    } finally {
      await admin.disconnect();
    }
  }, 60_000);

  it("fences the first of two producers with one transactional.id; the second one's transaction commits", async () => {
    const topic = "txn-confluent-fenced";
    await client.createTopic(broker.bootstrap, topic, 3);
    expect(jsonLines(await txn.run(["fenced", broker.bootstrap, topic, "txn-confluent-shared"]))).toEqual([{ fenced: true }]);
    expect((await consumed(topic, "read_committed")).map((m) => m.value).sort()).toEqual(values("newer", 3));
  }, 60_000);
});
