// Consumer groups with kafka-python 2.0 (JoinGroup v2, SyncGroup v1, OffsetCommit v2, OffsetFetch v1):
// a synchronous commit() after some messages, then a new consumer in the group resumes exactly there.
import { afterAll, beforeAll, expect, it } from "vitest";
import { type ApiLog, logApiVersions } from "../clients/support/api-log.ts";
import { startTestBroker, type TestBroker } from "../clients/support/broker.ts";
import { keyedMessages } from "../clients/support/messages.ts";
import { consumeInGroup, pythonClient } from "../clients/support/python.ts";
import { assertResumed, offsetsAfter } from "./groups-support.ts";
import { describeWith } from "../support/system-clients.ts";

const PARTITIONS = 6;
const client = pythonClient("kafka_python_client.py");
const group = pythonClient("kafka_python_group.py");

let broker: TestBroker;
let apiLog: ApiLog;

beforeAll(async () => {
  broker = await startTestBroker();
  apiLog = logApiVersions(broker.running.broker);
});
afterAll(async () => {
  await broker?.dispose();
});

describeWith(["kafka-python"], "kafka-python consumer group", () => {
  it("resumes a new consumer from the offsets commit() stored, re-reading only the uncommitted tail", async () => {
    const topic = "kafka-python-resumed";
    const groupId = "kafka-python-resumers";
    await client.createTopic(broker.bootstrap, topic, PARTITIONS);
    const sent = keyedMessages(720, topic);
    await client.produce(broker.bootstrap, topic, "gzip", sent.slice(0, 600));

    // commit() after 250 messages, read 50 more, close without committing them.
    const first = await consumeInGroup(group, { bootstrap: broker.bootstrap, topic, group: groupId, partitions: PARTITIONS, commitAfter: 250, stopAfter: 300 });
    expect(first.messages).toHaveLength(300);
    // commit() stores the position of every assigned partition, 0 for those it has read nothing from.
    expect(first.committed).toEqual(new Map(offsetsAfter(first.messages.slice(0, 250), PARTITIONS).entries()));

    // More for every partition, so each has something to resume with even if the first run read it all.
    await client.produce(broker.bootstrap, topic, "gzip", sent.slice(600));
    const resumed = await consumeInGroup(group, { bootstrap: broker.bootstrap, topic, group: groupId, partitions: PARTITIONS, commitAfter: 0, stopAfter: 0 });
    assertResumed(sent, first.messages, 250, resumed.messages, PARTITIONS);

    expect(Object.fromEntries(["JoinGroup", "SyncGroup", "OffsetCommit", "OffsetFetch"].map((api) => [api, apiLog.max(api)]))).toEqual({
      JoinGroup: 2,
      SyncGroup: 1,
      OffsetCommit: 2,
      OffsetFetch: 1,
    });
  }, 90_000);
});
