// Metadata on a broker sharing PostgreSQL lists a topic another broker created, also when the
// database held no topic yet when this broker started (it had no metadata log to follow then).
import { afterAll, beforeAll, expect, it } from "vitest";
import { startBroker, type RunningBroker } from "../../src/index.ts";
import type { Logger } from "../../src/logger.ts";
import { type LocalPostgres, startLocalPostgres } from "../../scripts/local-postgres.mjs";
import { describeWith } from "../support/system-clients.ts";
import { RawClient } from "../support/raw-client.ts";
import { CreateTopics, Metadata } from "../support/messages.ts";
import { ErrorCode } from "../../src/protocol/generated/error-codes.ts";

const quiet: Logger = { info: () => {}, debug: () => {}, warn: () => {}, error: () => {} };
let pg: LocalPostgres;
const running: RunningBroker[] = [];

beforeAll(async () => {
  pg = await startLocalPostgres();
});
afterAll(async () => {
  for (const b of running.splice(0)) await b.close().catch(() => undefined);
  pg?.stop();
});

describeWith(["postgresql"], "Metadata across brokers sharing PostgreSQL", () => {
  it("lists a topic created on another broker, by name and in the list of all topics", async () => {
    for (const nodeId of [1, 2]) running.push(await startBroker({ nodeId, storage: { engine: "postgres", url: pg.url }, logger: quiet }));
    const [a, b] = running;
    const creator = await RawClient.connect(a.port);
    const created = await creator.request(CreateTopics.request, CreateTopics.response, 7, {
      topics: [{ name: "elsewhere", numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false,
    });
    expect(created.topics[0].errorCode).toBe(ErrorCode.NONE);
    creator.close();

    const client = await RawClient.connect(b.port);
    const byName = await client.request(Metadata.request, Metadata.response, 12, {
      topics: [{ name: "elsewhere", topicId: "00000000-0000-0000-0000-000000000000" }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false,
    });
    expect(byName.topics.map((t) => [t.name, t.errorCode, t.partitions.length])).toEqual([["elsewhere", ErrorCode.NONE, 2]]);
    const all = await client.request(Metadata.request, Metadata.response, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    expect(all.topics.map((t) => t.name)).toEqual(["elsewhere"]);
    client.close();
  });
});
