/**
 * The JSON endpoints under /api/ that the console uses (and curl can): cluster, topics,
 * partitions' messages, consumer groups and throughput. Offsets and timestamps are strings,
 * since they are 64-bit. Each answer is a status and a JSON body; nothing here writes to a socket.
 */
import type { Broker } from "../broker.ts";
import { ApiKey } from "../protocol/generated/api-keys.ts";
import { Reader } from "../protocol/reader.ts";
import { decodeConsumerProtocolAssignment } from "../protocol/generated/consumer-protocol-assignment.ts";
import { topicNameError } from "../handlers/topic-name.ts";
import { browseMessages, MAX_PAGE_RECORDS } from "./message-browser.ts";
import { committedLag } from "./group-lag.ts";
import type { ThroughputHistory } from "./throughput-history.ts";
import type { PartitionLog } from "../storage/engine.ts";

export type ConsoleBroker = Pick<
  Broker,
  "config" | "clusterId" | "codec" | "metadata" | "partitionLog" | "createTopic" | "deleteTopic" | "groupCoordinator" | "producerStates" | "apis"
>;

export interface ConsoleContext {
  broker: ConsoleBroker;
  /** The Kafka listener's bound address, for the brokers list. */
  kafkaAddress: { host: string; port: number };
  version: string;
  startedAtMs: number;
  throughput: ThroughputHistory;
}

export interface ApiAnswer {
  status: number;
  body: unknown;
}

const DEFAULT_PAGE_RECORDS = 50;

const ok = (body: unknown): ApiAnswer => ({ status: 200, body });
const problem = (status: number, error: string): ApiAnswer => ({ status, body: { error } });

/** Routes one /api/ request; `body` is the parsed JSON body of a POST (or undefined). */
export async function consoleApi(ctx: ConsoleContext, method: string, url: URL, body: unknown): Promise<ApiAnswer> {
  const path = url.pathname.replace(/\/+$/, "").split("/").slice(2).map(decodeURIComponent);
  const route = `${method} ${path.map((part, i) => (i % 2 === 1 ? "*" : part)).join("/")}`;
  switch (route) {
    case "GET cluster":
      return ok(cluster(ctx));
    case "GET topics":
      return ok(await listTopics(ctx.broker));
    case "POST topics":
      return createTopic(ctx.broker, body);
    case "GET topics/*":
      return describeTopic(ctx.broker, path[1]);
    case "DELETE topics/*":
      return deleteTopic(ctx.broker, path[1]);
    case "GET topics/*/partitions/*/records":
      return browse(ctx.broker, path[1], path[3], url.searchParams);
    case "POST topics/*/partitions/*/records":
      return produceTestRecord(ctx.broker, path[1], path[3], body);
    case "GET groups":
      return ok(await listGroups(ctx.broker));
    case "GET groups/*":
      return describeGroup(ctx.broker, path[1]);
    case "GET throughput":
      return ok(ctx.throughput.samples());
    default:
      return problem(404, `no endpoint ${method} ${url.pathname}`);
  }
}

function cluster(ctx: ConsoleContext) {
  const { broker } = ctx;
  const address = advertised(ctx);
  return {
    clusterId: broker.clusterId,
    controllerId: broker.config.nodeId,
    brokers: [{ nodeId: broker.config.nodeId, host: address.host, port: address.port }],
    version: ctx.version,
    codec: broker.codec.kind,
    startedAt: new Date(ctx.startedAtMs).toISOString(),
    uptimeMs: Date.now() - ctx.startedAtMs,
    apis: broker.apis.advertised().map((a) => ({ ...a, name: API_NAMES.get(a.apiKey) ?? String(a.apiKey) })),
  };
}

const API_NAMES = new Map<number, string>(Object.entries(ApiKey).map(([name, key]) => [key, name]));

function advertised(ctx: ConsoleContext): { host: string; port: number } {
  const { config } = ctx.broker;
  return { host: config.advertisedHost ?? (config.host || ctx.kafkaAddress.host), port: config.advertisedPort ?? ctx.kafkaAddress.port };
}

async function partitionsOf(broker: ConsoleBroker, name: string) {
  const topic = broker.metadata.topicByName(name)!;
  const partitions = [];
  for (const partition of [...topic.partitions.keys()].sort((a, b) => a - b)) {
    const log = await broker.partitionLog(name, partition);
    partitions.push({
      partition,
      leader: broker.config.nodeId,
      logStartOffset: String(log?.logStartOffset ?? 0n),
      logEndOffset: String(log?.logEndOffset ?? 0n),
      sizeBytes: log?.size ?? 0,
    });
  }
  return partitions;
}

async function listTopics(broker: ConsoleBroker) {
  const topics = [];
  for (const t of broker.metadata.topics()) {
    const partitions = await partitionsOf(broker, t.name);
    topics.push({
      name: t.name,
      topicId: t.topicId,
      partitions: partitions.length,
      records: String(partitions.reduce((n, p) => n + BigInt(p.logEndOffset) - BigInt(p.logStartOffset), 0n)),
      sizeBytes: partitions.reduce((n, p) => n + p.sizeBytes, 0),
    });
  }
  return topics;
}

async function describeTopic(broker: ConsoleBroker, name: string): Promise<ApiAnswer> {
  const topic = broker.metadata.topicByName(name);
  if (!topic) return problem(404, `unknown topic ${name}`);
  return ok({ name, topicId: topic.topicId, partitions: await partitionsOf(broker, name) });
}

async function createTopic(broker: ConsoleBroker, body: unknown): Promise<ApiAnswer> {
  const { name, partitions = broker.config.numPartitions } = (body ?? {}) as { name?: unknown; partitions?: unknown };
  if (typeof name !== "string") return problem(400, "name (a string) is required");
  const nameError = topicNameError(name);
  if (nameError) return problem(400, nameError);
  if (typeof partitions !== "number" || !Number.isInteger(partitions) || partitions < 1 || partitions > 10000) {
    return problem(400, "partitions must be an integer from 1 to 10000");
  }
  if (broker.metadata.topicByName(name)) return problem(409, `Topic '${name}' already exists.`);
  const topic = await broker.createTopic(name, partitions);
  return { status: 201, body: { name, topicId: topic.topicId, partitions } };
}

async function deleteTopic(broker: ConsoleBroker, name: string): Promise<ApiAnswer> {
  if (!broker.metadata.topicByName(name)) return problem(404, `unknown topic ${name}`);
  await broker.deleteTopic(name);
  return ok({ deleted: name });
}

async function browse(broker: ConsoleBroker, topic: string, partitionText: string, query: URLSearchParams): Promise<ApiAnswer> {
  const log = await partitionLogOf(broker, topic, partitionText);
  if (typeof log === "string") return problem(404, log);
  const limit = Math.min(MAX_PAGE_RECORDS, Math.max(1, Number(query.get("limit") ?? DEFAULT_PAGE_RECORDS) || DEFAULT_PAGE_RECORDS));
  let from = log.logStartOffset;
  const timestamp = query.get("timestamp");
  const offset = query.get("offset");
  if (timestamp !== null && timestamp !== "") {
    const ms = /^\d+$/.test(timestamp) ? BigInt(timestamp) : BigInt(Date.parse(timestamp) || -1);
    if (ms < 0n) return problem(400, "timestamp must be milliseconds since the epoch or an ISO date");
    from = (await log.offsetForTimestamp(ms))?.offset ?? log.logEndOffset;
  } else if (offset !== null && offset !== "") {
    if (!/^-?\d+$/.test(offset)) return problem(400, "offset must be an integer");
    // A negative offset counts back from the log end (-50: the last 50 records).
    from = BigInt(offset) < 0n ? log.logEndOffset + BigInt(offset) : BigInt(offset);
  }
  return ok(await browseMessages(log, broker.codec, from, limit));
}

async function partitionLogOf(broker: ConsoleBroker, topic: string, partitionText: string): Promise<PartitionLog | string> {
  const partition = Number(partitionText);
  if (!broker.metadata.topicByName(topic)) return `unknown topic ${topic}`;
  const log = Number.isInteger(partition) ? await broker.partitionLog(topic, partition) : undefined;
  return log ?? `unknown partition ${topic}-${partitionText}`;
}

/** Appends one record (no producer id, stamped now) the way Produce appends a batch. */
async function produceTestRecord(broker: ConsoleBroker, topic: string, partitionText: string, body: unknown): Promise<ApiAnswer> {
  const log = await partitionLogOf(broker, topic, partitionText);
  if (typeof log === "string") return problem(404, log);
  const { key, value, headers } = (body ?? {}) as { key?: unknown; value?: unknown; headers?: unknown };
  const text = (v: unknown) => (typeof v === "string" ? new TextEncoder().encode(v) : null);
  const headerEntries = headers && typeof headers === "object" ? Object.entries(headers as Record<string, unknown>) : [];
  const now = BigInt(Date.now());
  const batch = broker.codec.encodeRecordBatch({
    baseOffset: 0n,
    partitionLeaderEpoch: 0,
    attributes: 0,
    lastOffsetDelta: 0,
    firstTimestamp: now,
    maxTimestamp: now,
    producerId: -1n,
    producerEpoch: -1,
    baseSequence: -1,
    records: [{
      attributes: 0,
      timestampDelta: 0n,
      offsetDelta: 0,
      key: text(key),
      value: text(value),
      headers: headerEntries.map(([k, v]) => ({ key: k, value: text(String(v)) })),
    }],
  });
  const appended = await broker.producerStates.appendAsLeader(log, batch);
  if ("errorCode" in appended) return problem(500, appended.errorMessage ?? `error code ${appended.errorCode}`);
  return { status: 201, body: { topic, partition: Number(partitionText), offset: String(appended.baseOffset) } };
}

async function listGroups(broker: ConsoleBroker) {
  const lags = await committedLag(broker);
  return broker.groupCoordinator.listGroups().map((g) => ({
    groupId: g.groupId,
    state: g.state,
    protocolType: g.protocolType,
    members: broker.groupCoordinator.describeGroup(g.groupId).members.length,
    lag: lags.filter((l) => l.groupId === g.groupId).reduce((n, l) => n + l.lag, 0),
  })).sort((a, b) => a.groupId.localeCompare(b.groupId));
}

async function describeGroup(broker: ConsoleBroker, groupId: string): Promise<ApiAnswer> {
  const group = broker.groupCoordinator.describeGroup(groupId);
  const offsets = await committedLag(broker, groupId);
  if (group.state === "Dead" && offsets.length === 0) return problem(404, `unknown group ${groupId}`);
  return ok({
    groupId,
    state: group.state,
    protocolType: group.protocolType,
    protocol: group.protocol,
    members: group.members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      assignment: group.protocolType === "consumer" ? consumerAssignment(m.assignment) : [],
    })),
    offsets: offsets.map((l) => ({
      topic: l.topic,
      partition: l.partition,
      committedOffset: String(l.committedOffset),
      logEndOffset: String(l.logEndOffset),
      lag: l.lag,
    })),
    lag: offsets.reduce((n, l) => n + l.lag, 0),
  });
}

/** A "consumer" group's assignment bytes: ConsumerProtocolAssignment (version, then the partitions). */
function consumerAssignment(bytes: Uint8Array): { topic: string; partitions: number[] }[] {
  if (bytes.length < 2) return [];
  const r = new Reader(bytes);
  const version = r.int16();
  const assignment = decodeConsumerProtocolAssignment(r, Math.min(version, 3));
  return r.failed ? [] : assignment.assignedPartitions;
}
