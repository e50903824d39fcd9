// Topic names that collide once '.' is read as '_' (Kafka's metric names) are refused with INVALID_TOPIC_EXCEPTION.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBroker, type RunningBroker } from "../../src/index.ts";
import { silentLogger } from "../../src/logger.ts";
import { ErrorCode } from "../../src/protocol/generated/error-codes.ts";
import { RawClient } from "../support/raw-client.ts";
import { Metadata } from "../support/messages.ts";
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
