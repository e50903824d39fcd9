// What CreateTopics refuses besides bad names: names that collide once '.' is read as '_' (Kafka's
// metric names) get INVALID_TOPIC_EXCEPTION; more than 10,000 partitions in one request POLICY_VIOLATION.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBroker, type RunningBroker } from "../../src/index.ts";
import { silentLogger } from "../../src/logger.ts";
import { ErrorCode } from "../../src/protocol/generated/error-codes.ts";
import { RawClient } from "../support/raw-client.ts";
import { CreateTopics, Metadata } from "../support/messages.ts";
import { createTopic, createTopicOk } from "../support/requests.ts";

let running: RunningBroker;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "broker-collision-"));
  running = await startBroker({ logDirs: [dir], logger: silentLogger });
});
afterAll(async () => {
  await running?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("topic name collisions", () => {
  it("refuses a_b after a.b, and a.b after a_b, by CreateTopics and by auto-creation", async () => {
    const client = await RawClient.connect(running.port);
    await createTopicOk(client, "a.b");
    expect(await createTopic(client, "a_b")).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    await createTopicOk(client, "x_y");
    expect(await createTopic(client, "x.y")).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    const meta = await client.request(Metadata.request, Metadata.response, 12, {
      topics: [{ name: "a_b", topicId: "00000000-0000-0000-0000-000000000000" }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false,
    });
    expect(meta.topics[0].errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    expect(running.broker.metadata.topics().map((t) => t.name)).toEqual(["a.b", "x_y"]);
    client.close();
  });
});

describe("partitions per request", () => {
  it("refuses a request creating more than 10,000 partitions with POLICY_VIOLATION, creating none of its topics", async () => {
    const client = await RawClient.connect(running.port);
    const res = await client.request(CreateTopics.request, CreateTopics.response, 7, {
      topics: [
        { name: "small", numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] },
        { name: "huge", numPartitions: 0x7fffffff, replicationFactor: 1, assignments: [], configs: [] },
      ],
      timeoutMs: 1000, validateOnly: false,
    });
    expect(res.topics.map((t) => t.errorCode)).toEqual([ErrorCode.POLICY_VIOLATION, ErrorCode.POLICY_VIOLATION]);
    expect(running.broker.metadata.topicByName("small")).toBeUndefined();
    expect(running.broker.metadata.topicByName("huge")).toBeUndefined();
    client.close();
  });
});
