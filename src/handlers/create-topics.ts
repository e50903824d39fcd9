import { defineApi, mapInOrder } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { CREATE_TOPICS_REQUEST, type CreatableTopic, decodeCreateTopicsRequest } from "../protocol/generated/create-topics-request.ts";
import { type CreatableTopicResult, type CreateTopicsResponse, encodeCreateTopicsResponse } from "../protocol/generated/create-topics-response.ts";
import type { Broker } from "../broker.ts";
import { ConfigException } from "../config-def.ts";
import { TopicExistsError } from "../storage/cluster-metadata.ts";
import { validateTopicConfig } from "../storage/log-config.ts";
import { topicConfigEntries } from "./config-entries.ts";
import { collidingTopicError, topicNameError } from "./topic-name.ts";
import { storageErrorCode } from "./storage-errors.ts";
import { mayCreateTopic } from "./resource-access.ts";

/**
 * Kafka's controller refuses a request that would create more partitions than one metadata batch
 * holds (KAFKA-17870): POLICY_VIOLATION for every topic of it, nothing created.
 */
export const MAX_PARTITIONS_PER_REQUEST = 10_000;
export const TOO_MANY_PARTITIONS = "Excessively large number of partitions per request.";

export const createTopics = defineApi(
  "CreateTopics",
  CREATE_TOPICS_REQUEST,
  [2, 7],
  decodeCreateTopicsRequest,
  encodeCreateTopicsResponse,
  async (ctx, req): Promise<CreateTopicsResponse> => {
    const counts = new Map<string, number>();
    for (const t of req.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const partitions = req.topics.reduce((sum, t) => sum + Math.max(0, requestedPartitions(ctx.broker, t)), 0);
    if (partitions > MAX_PARTITIONS_PER_REQUEST) {
      return { throttleTimeMs: 0, topics: req.topics.map((t) => failed(t.name, ErrorCode.POLICY_VIOLATION, TOO_MANY_PARTITIONS)) };
    }
    return {
      throttleTimeMs: 0,
      topics: await mapInOrder(req.topics, async (t) =>
        counts.get(t.name)! > 1
          ? failed(t.name, ErrorCode.INVALID_REQUEST, `Topic ${t.name} appears more than once in the request`)
          : !mayCreateTopic(ctx, t.name)
            ? failed(t.name, ErrorCode.TOPIC_AUTHORIZATION_FAILED, "Authorization failed.")
            : createTopic(ctx.broker, t, req.validateOnly ?? false, ctx.apiVersion),
      ),
    };
  },
);

async function createTopic(broker: Broker, t: CreatableTopic, validateOnly: boolean, version: number): Promise<CreatableTopicResult> {
  const nameError = topicNameError(t.name) ?? collidingTopicError(t.name, broker.metadata.topics());
  if (nameError) return failed(t.name, ErrorCode.INVALID_TOPIC_EXCEPTION, nameError);
  if (broker.metadata.topicByName(t.name)) return failed(t.name, ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${t.name}' already exists.`);
  const manual = t.assignments.length > 0;
  if (manual && (t.numPartitions !== -1 || t.replicationFactor !== -1)) {
    return failed(t.name, ErrorCode.INVALID_REQUEST, "Both numPartitions or replicationFactor and replicasAssignments were set.");
  }
  const numPartitions = requestedPartitions(broker, t);
  if (numPartitions < 1) return failed(t.name, ErrorCode.INVALID_PARTITIONS, "Number of partitions must be larger than 0.");
  const replicationFactor = manual ? t.assignments[0].brokerIds.length : t.replicationFactor === -1 ? 1 : t.replicationFactor;
  if (replicationFactor < 1) return failed(t.name, ErrorCode.INVALID_REPLICATION_FACTOR, "Replication factor must be larger than 0.");
  if (replicationFactor > 1) {
    return failed(t.name, ErrorCode.INVALID_REPLICATION_FACTOR,
      `Unable to replicate the partition ${replicationFactor} time(s): The target replication factor of ${replicationFactor} cannot be reached because only 1 broker(s) are registered.`);
  }
  const configs = new Map<string, string>();
  try {
    for (const { name, value } of t.configs) {
      if (configs.has(name)) throw new ConfigException(`Config ${name} appears more than once for topic ${t.name}`);
      validateTopicConfig(name, value);
      configs.set(name, value!);
    }
  } catch (err) {
    if (!(err instanceof ConfigException)) throw err;
    return failed(t.name, ErrorCode.INVALID_CONFIG, err.message);
  }
  let topicId: string | undefined;
  try {
    topicId = validateOnly ? undefined : (await broker.createTopic(t.name, numPartitions, configs)).topicId;
  } catch (err) {
    // Another request created it while this one waited for its turn.
    if (err instanceof TopicExistsError) return failed(t.name, ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${t.name}' already exists.`);
    return failed(t.name, storageErrorCode({ broker }, err), (err as Error).message);
  }
  // v5+ answers with the topic's configs as DescribeConfigs would report them.
  const described = version >= 5 ? topicConfigEntries(broker.config.staticConfigs, configs) : [];
  return {
    name: t.name,
    topicId,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    numPartitions,
    replicationFactor,
    configs: described.map((e) => ({ name: e.key.name, value: e.value, readOnly: e.readOnly, configSource: e.source, isSensitive: e.sensitive })),
  };
}

function requestedPartitions(broker: Broker, t: CreatableTopic): number {
  if (t.assignments.length > 0) return t.assignments.length;
  return t.numPartitions === -1 ? broker.config.numPartitions : t.numPartitions;
}

function failed(name: string, errorCode: number, errorMessage: string): CreatableTopicResult {
  return { name, errorCode, errorMessage, numPartitions: -1, replicationFactor: -1, configs: null };
}
