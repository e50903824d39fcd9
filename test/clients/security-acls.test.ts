// ACLs with StandardAuthorizer, created through kafka-python's KafkaAdminClient and checked with
// confluent-kafka and kcat: Write without Read, prefixed ACLs, Deny over Allow, group Read for
// commits, a super user, Metadata hiding topics, an mTLS principal; DescribeAcls / DeleteAcls; ACLs
// surviving a restart.
import { afterAll, beforeAll, expect, it } from "vitest";
import { PASSWORDS, type SecureBroker, kcatSettings, startSecureBroker } from "./support/secure-broker.ts";
import { run, runOk } from "./support/process.ts";
import { jsonLines } from "./support/python.ts";
import { plainClient } from "./support/sasl-raw.ts";
import { DeleteAcls, DeleteRecords, DescribeAcls, DescribeConfigs, Fetch } from "../support/messages.ts";
import { ErrorCode } from "../../src/protocol/generated/error-codes.ts";
import { AclOperation, PatternType, PermissionType, ResourceType } from "../../src/security/acl.ts";
import { CLIENT_PRINCIPAL } from "./support/certificates.ts";
import { InitProducerId, ShareAcknowledge, ShareFetch, ShareGroupHeartbeat } from "../coordinator/messages.ts";
import { PYTHON, describeWith } from "../support/system-clients.ts";

const DRIVER = new URL("./python/security_client.py", import.meta.url).pathname;
const TIMEOUT_MS = 60_000;

let secure: SecureBroker;

interface AclSpec {
  principal: string;
  operation: string;
  permission?: "ALLOW" | "DENY";
  resource: "TOPIC" | "GROUP" | "CLUSTER";
  name: string;
  pattern?: "LITERAL" | "PREFIXED";
}

async function python(args: string[]): Promise<any> {
  const env = { ...process.env, PYTHONUNBUFFERED: "1", PYTHONNOUSERSITE: "1" };
  const { stdout } = await runOk(PYTHON, [DRIVER, ...args], { timeoutMs: TIMEOUT_MS, env });
  return jsonLines(stdout)[0];
}

/** CreateAcls through kafka-python's admin client, as the super user admin. */
async function allow(...specs: AclSpec[]): Promise<void> {
  const admin = JSON.stringify(secure.kafkaPython("SASL_PLAINTEXT", "admin", "PLAIN"));
  await python(["acl", "kafka-python", admin, secure.bootstrap("SASL_PLAINTEXT"), JSON.stringify(specs.map((s) => ({ permission: "ALLOW", ...s })))]);
}

/** confluent-kafka as `user` (SCRAM-SHA-512 over SASL_SSL). */
function as(user: string) {
  const config = JSON.stringify(secure.librdkafka("SASL_SSL", user, "SCRAM-SHA-512"));
  const bootstrap = secure.bootstrap("SASL_SSL");
  return {
    produce: async (topic: string) => (await python(["produce", "confluent", config, bootstrap, topic])).error as string | null,
    consume: async (topic: string) => (await python(["consume", "confluent", config, bootstrap, topic])) as { error: string | null; values: string[] },
    commit: async (topic: string, group: string) => (await python(["commit", "confluent", config, bootstrap, topic, group])).error as string | null,
    topics: async () => (await python(["topics", "confluent", config, bootstrap])) as string[],
  };
}

beforeAll(async () => {
  secure = await startSecureBroker(
    "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer\nsuper.users=User:admin\nallow.everyone.if.no.acl.found=false",
  );
  // The driver's consumers read by assignment, but librdkafka still looks up their group's coordinator.
  await allow({ principal: "User:*", operation: "READ", resource: "GROUP", name: "security-reader" });
  // The super user creates the topics (auto-created by its first produce).
  for (const topic of ["orders", "team-a", "other", "secret", "ledger", "hidden", "mtls", "queue"]) expect(await as("admin").produce(topic)).toBeNull();
}, 120_000);
afterAll(async () => {
  await secure?.dispose();
});

describeWith(["openssl", "kcat", "confluent-kafka", "kafka-python"], "StandardAuthorizer", () => {
  it("lets a user with Write but not Read produce, and refuses its consume with TOPIC_AUTHORIZATION_FAILED", async () => {
    await allow({ principal: "User:alice", operation: "WRITE", resource: "TOPIC", name: "orders" });
    expect(await as("alice").produce("orders")).toBeNull();
    expect((await as("alice").consume("orders")).error).toBe("TOPIC_AUTHORIZATION_FAILED");
    expect(await as("bob").produce("orders")).toBe("TOPIC_AUTHORIZATION_FAILED");
  }, 120_000);

  it("applies a prefixed ACL to every topic with the prefix, and only to them", async () => {
    await allow(
      { principal: "User:bob", operation: "WRITE", resource: "TOPIC", name: "team-", pattern: "PREFIXED" },
      { principal: "User:bob", operation: "READ", resource: "TOPIC", name: "team-", pattern: "PREFIXED" },
    );
    expect(await as("bob").produce("team-a")).toBeNull();
    expect(await as("bob").consume("team-a")).toMatchObject({ error: null, values: ["one", "one"] });
    expect(await as("bob").produce("other")).toBe("TOPIC_AUTHORIZATION_FAILED");
  }, 120_000);

  it("lets a Deny win over an Allow", async () => {
    await allow(
      { principal: "User:alice", operation: "ALL", resource: "TOPIC", name: "secret" },
      { principal: "User:alice", operation: "READ", permission: "DENY", resource: "TOPIC", name: "secret" },
    );
    expect(await as("alice").produce("secret")).toBeNull();
    expect((await as("alice").consume("secret")).error).toBe("TOPIC_AUTHORIZATION_FAILED");
  }, 120_000);

  it("needs Read on the group to commit offsets", async () => {
    // Describe lets the client find the coordinator; only Read lets it commit.
    await allow(
      { principal: "User:alice", operation: "READ", resource: "TOPIC", name: "ledger" },
      { principal: "User:alice", operation: "DESCRIBE", resource: "GROUP", name: "auditors" },
    );
    expect(await as("alice").commit("ledger", "auditors")).toBe("GROUP_AUTHORIZATION_FAILED");
    await allow({ principal: "User:alice", operation: "READ", resource: "GROUP", name: "billing" });
    expect(await as("alice").commit("ledger", "billing")).toBeNull();
  }, 120_000);

  it("lets a super user do anything without any ACL", async () => {
    expect(await as("admin").produce("hidden")).toBeNull();
    expect(await as("admin").consume("hidden")).toMatchObject({ error: null, values: ["one", "one"] });
  }, 120_000);

  it("lists in Metadata only the topics the principal may describe", async () => {
    const seen = await as("alice").topics();
    expect(seen).toEqual(expect.arrayContaining(["orders", "secret", "ledger"]));
    expect(seen).not.toContain("hidden");
    expect(seen).not.toContain("other");
    expect(await as("admin").topics()).toContain("hidden");
  }, 120_000);

  it("answers a refused Fetch partition with TOPIC_AUTHORIZATION_FAILED and high watermark -1", async () => {
    const client = await plainClient(secure.broker.running.listeners.find((l) => l.name === "SASL_PLAINTEXT")!.port, "bob", PASSWORDS.bob);
    const res = await client.request(Fetch.request, Fetch.response, 12, {
      replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic: "hidden", partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [], rackId: "",
    });
    expect(res.responses[0].partitions[0]).toMatchObject({ errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, highWatermark: -1n });
    client.close();
  });

  it("answers a share group member's ShareFetch and ShareAcknowledge of a topic it may not read with TOPIC_AUTHORIZATION_FAILED", async () => {
    await allow({ principal: "User:bob", operation: "READ", resource: "GROUP", name: "share-readers" }, { principal: "User:bob", operation: "DESCRIBE", resource: "TOPIC", name: "queue" });
    const client = await plainClient(secure.broker.running.listeners.find((l) => l.name === "SASL_PLAINTEXT")!.port, "bob", PASSWORDS.bob);
    const topicId = secure.broker.running.broker.metadata.topicByName("queue")!.topicId;
    const joined = await client.request(ShareGroupHeartbeat.request, ShareGroupHeartbeat.response, 0, {
      groupId: "share-readers", memberId: "bob-1", memberEpoch: 0, rackId: null, subscribedTopicNames: ["queue"],
    });
    expect(joined.errorCode).toBe(ErrorCode.NONE);
    const fetched = await client.request(ShareFetch.request, ShareFetch.response, 0, {
      groupId: "share-readers", memberId: "bob-1", shareSessionEpoch: 0, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20,
      topics: [{ topicId, partitions: [{ partitionIndex: 0, partitionMaxBytes: 1 << 20, acknowledgementBatches: [] }] }],
      forgottenTopicsData: [],
    });
    expect(fetched.errorCode).toBe(ErrorCode.NONE);
    expect(fetched.responses[0].partitions[0]).toMatchObject({ errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, records: null, acquiredRecords: [] });
    const acknowledged = await client.request(ShareAcknowledge.request, ShareAcknowledge.response, 0, {
      groupId: "share-readers", memberId: "bob-1", shareSessionEpoch: 1,
      topics: [{ topicId, partitions: [{ partitionIndex: 0, acknowledgementBatches: [{ firstOffset: 0n, lastOffset: 0n, acknowledgeTypes: [1] }] }] }],
    });
    expect(acknowledged.responses[0].partitions[0].errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    client.close();
  });

  it("needs Write on a transactional id to initialize it, and Write on some topic to be idempotent", async () => {
    const init = { transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 };
    const port = secure.broker.running.listeners.find((l) => l.name === "SASL_PLAINTEXT")!.port;
    const admin = await plainClient(port, "admin", PASSWORDS.admin);
    expect((await admin.request(InitProducerId.request, InitProducerId.response, 4, { ...init, transactionalId: "payments" })).errorCode).toBe(ErrorCode.NONE);
    admin.close();
    const bob = await plainClient(port, "bob", PASSWORDS.bob);
    const txn = await bob.request(InitProducerId.request, InitProducerId.response, 4, { ...init, transactionalId: "payments" });
    expect(txn.errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    // bob may write team-* (the prefixed ACL above): enough for an idempotent producer id.
    const idempotent = await bob.request(InitProducerId.request, InitProducerId.response, 4, { ...init, transactionalId: null });
    expect(idempotent.errorCode).toBe(ErrorCode.NONE);
    bob.close();
  });

  it("takes an mTLS client's certificate subject as its principal", async () => {
    const kcat = (args: string[], settings: Record<string, string>, input?: string) =>
      run("kcat", ["-b", secure.bootstrap("MTLS"), ...kcatSettings(settings), "-m", "10", ...args], { input, timeoutMs: TIMEOUT_MS });
    expect((await kcat(["-C", "-t", "mtls", "-o", "beginning", "-e", "-q"], secure.librdkafka("MTLS"))).code).not.toBe(0);
    await allow({ principal: CLIENT_PRINCIPAL, operation: "READ", resource: "TOPIC", name: "mtls" });
    const consumed = await kcat(["-C", "-t", "mtls", "-o", "beginning", "-e", "-q"], secure.librdkafka("MTLS"));
    expect(consumed.code, consumed.stderr).toBe(0);
    expect(consumed.stdout.trim()).toBe("one");
  }, 120_000);
});

describeWith(["openssl", "kcat", "confluent-kafka", "kafka-python"], "ACL admin APIs", () => {
  const saslPort = () => secure.broker.running.listeners.find((l) => l.name === "SASL_PLAINTEXT")!.port;
  const everything = {
    resourceTypeFilter: ResourceType.ANY, resourceNameFilter: null, patternTypeFilter: PatternType.ANY,
    principalFilter: null, hostFilter: null, operation: AclOperation.ANY, permissionType: PermissionType.ANY,
  };

  it("describes the ACLs, keeps them over a restart, and deletes them by filter", async () => {
    await allow({ principal: "User:carol", operation: "DESCRIBE", resource: "GROUP", name: "audit" });
    await secure.broker.restart();
    const admin = await plainClient(saslPort(), "admin", PASSWORDS.admin);
    const described = await admin.request(DescribeAcls.request, DescribeAcls.response, 3, { ...everything, principalFilter: "User:carol" });
    expect(described.resources).toEqual([
      { resourceType: ResourceType.GROUP, resourceName: "audit", patternType: PatternType.LITERAL,
        acls: [{ principal: "User:carol", host: "*", operation: AclOperation.DESCRIBE, permissionType: PermissionType.ALLOW }] },
    ]);
    const deleted = await admin.request(DeleteAcls.request, DeleteAcls.response, 3, { filters: [{ ...everything, principalFilter: "User:carol" }] });
    expect(deleted.filterResults[0].matchingAcls).toHaveLength(1);
    const after = await admin.request(DescribeAcls.request, DescribeAcls.response, 3, { ...everything, principalFilter: "User:carol" });
    expect(after.resources).toEqual([]);
    admin.close();
  }, 120_000);

  it("refuses DescribeConfigs and DeleteRecords to a principal without DescribeConfigs / Delete on the topic or cluster", async () => {
    const alice = await plainClient(saslPort(), "alice", PASSWORDS.alice);
    const configs = await alice.request(DescribeConfigs.request, DescribeConfigs.response, 4, {
      resources: [{ resourceType: 2, resourceName: "hidden", configurationKeys: null }, { resourceType: 4, resourceName: "1", configurationKeys: null }],
      includeSynonyms: false,
      includeDocumentation: false,
    });
    expect(configs.results.map((r) => r.errorCode)).toEqual([ErrorCode.TOPIC_AUTHORIZATION_FAILED, ErrorCode.CLUSTER_AUTHORIZATION_FAILED]);
    const deleted = await alice.request(DeleteRecords.request, DeleteRecords.response, 2, { topics: [{ name: "hidden", partitions: [{ partitionIndex: 0, offset: -1n }] }], timeoutMs: 5000 });
    expect(deleted.topics[0].partitions[0].errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    alice.close();
  });

  it("refuses ACL changes to a principal without Alter on the cluster", async () => {
    const alice = await plainClient(saslPort(), "alice", PASSWORDS.alice);
    const res = await alice.request(DeleteAcls.request, DeleteAcls.response, 3, { filters: [everything] });
    expect(res.filterResults[0].errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    const listed = await alice.request(DescribeAcls.request, DescribeAcls.response, 3, everything);
    expect(listed.errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    alice.close();
  });
});
