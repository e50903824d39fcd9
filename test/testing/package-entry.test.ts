// What a user installs: the built `wasm-kafka-broker/testing` entry (package.json exports), and the
// README's vitest globalSetup example on top of it.
import { Kafka, logLevel } from "kafkajs";
import { afterAll, expect, it } from "vitest";
// @ts-expect-error -- the example is plain JavaScript, as a user's vitest setup file is.
import { setup, teardown } from "../../examples/vitest-global-setup.js";

afterAll(async () => {
  await teardown();
});

it("exports startBroker from wasm-kafka-broker/testing, and the globalSetup example serves its bootstrap address", async () => {
  const kit = await import("wasm-kafka-broker/testing");
  expect(typeof kit.startBroker).toBe("function");
  expect(kit.ErrorCode.NOT_LEADER_OR_FOLLOWER).toBe(6);

  await setup();
  expect(process.env.KAFKA_BOOTSTRAP).toMatch(/^127\.0\.0\.1:\d+$/);
  const kafka = new Kafka({ clientId: "example", brokers: [process.env.KAFKA_BOOTSTRAP!], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic: "from-the-example", numPartitions: 2 }] });
    expect(await admin.listTopics()).toContain("from-the-example");
  } finally {
    await admin.disconnect();
  }
});
