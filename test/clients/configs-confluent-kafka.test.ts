// confluent-kafka's AdminClient (librdkafka 2.0): AlterConfigs of a topic, read back by
// DescribeConfigs with the override and the defaults told apart, and a bad value refused INVALID_CONFIG.
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestBroker, type TestBroker } from "./support/broker.ts";
import { jsonLines, pythonClient } from "./support/python.ts";
import { describeWith } from "../support/system-clients.ts";

const client = pythonClient("confluent_kafka_client.py");
let broker: TestBroker;

beforeAll(async () => {
  broker = await startTestBroker();
});
afterAll(async () => {
  await broker?.dispose();
});

describeWith(["confluent-kafka"], "confluent-kafka AdminClient configs", () => {
  it("alters a topic's retention.ms and describes it back as an override beside the defaults", async () => {
    await client.createTopic(broker.bootstrap, "configured", 1);
    const [described] = jsonLines<Record<string, [string | null, boolean]>>(await client.run(["configs", broker.bootstrap, "configured", "retention.ms=3600000"]));
    expect(described["retention.ms"]).toEqual(["3600000", false]);
    expect(described["cleanup.policy"]).toEqual(["delete", true]);
    expect(described["max.message.bytes"]).toEqual(["1048588", true]);
  });

  it("refuses a bad value with INVALID_CONFIG", async () => {
    await client.createTopic(broker.bootstrap, "misconfigured", 1);
    const [answer] = jsonLines<{ error: string }>(await client.run(["configs", broker.bootstrap, "misconfigured", "retention.ms=soon"]));
    expect(answer).toEqual({ error: "INVALID_CONFIG" });
  });
});
