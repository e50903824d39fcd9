import { defineApi, type RequestContext } from "./api.ts";
import { CLUSTER_NAME } from "../security/acl.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { METADATA_REQUEST, decodeMetadataRequest } from "../protocol/generated/metadata-request.ts";
import { type MetadataResponse, type MetadataResponseTopic, encodeMetadataResponse } from "../protocol/generated/metadata-response.ts";
import { ZERO_UUID } from "../protocol/reader.ts";
import { TopicExistsError } from "../storage/cluster-metadata.ts";
import { AUTHORIZED_OPERATIONS_OMITTED, authorizedOperationsIf } from "./authorized-operations.ts";
import { collidingTopicError, topicNameError } from "./topic-name.ts";
import { storageErrorCode } from "./storage-errors.ts";
import { mayCreateTopic, mayDescribeTopic } from "./resource-access.ts";

/** This broker and the others sharing its storage (if any): the brokers, the controller, and each partition's leader. */
export const metadata = defineApi(
  "Metadata",
  METADATA_REQUEST,
  [0, 12],
  decodeMetadataRequest,
  encodeMetadataResponse,
  async (ctx, req): Promise<MetadataResponse> => {
    const { broker } = ctx;
    const allTopics = req.topics === null || (ctx.apiVersion === 0 && req.topics.length === 0);
    const autoCreate = broker.config.autoCreateTopicsEnable && (req.allowAutoTopicCreation ?? true);
    // Topics another broker sharing the storage created may not have reached this one yet.
    if (broker.registry && (allTopics || req.topics!.some((t) => !(t.name ? broker.metadata.topicByName(t.name) : broker.metadata.topicById(t.topicId ?? ZERO_UUID))))) {
      await broker.metadata.refresh();
    }
    if (!allTopics && autoCreate) await createMissingTopics(ctx, req.topics!);
    const topics = allTopics
      ? broker.metadata
          .topics()
          .filter((t) => mayDescribeTopic(ctx, t.name))
          .map((t) => describeTopic(ctx, t.name, req.includeTopicAuthorizedOperations))
      : req.topics!.map((t) => {
          const name = t.name ?? (t.topicId && t.topicId !== ZERO_UUID ? broker.metadata.topicById(t.topicId)?.name : undefined);
          if (name === undefined) return unknownTopic(null, t.topicId, ErrorCode.UNKNOWN_TOPIC_ID);
          if (!mayDescribeTopic(ctx, name)) return unknownTopic(t.name, t.topicId, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
          if (!broker.metadata.topicByName(name) && autoCreate && !mayCreateTopic(ctx, name)) {
            return unknownTopic(name, t.topicId, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
          }
          if (!broker.metadata.topicByName(name) && autoCreate && invalidName(ctx, name)) {
            return unknownTopic(name, t.topicId, ErrorCode.INVALID_TOPIC_EXCEPTION);
          }
          return describeTopic(ctx, name, req.includeTopicAuthorizedOperations);
        });
    return {
      throttleTimeMs: 0,
      brokers: broker.liveBrokers(ctx.listener, ctx.localAddress),
      clusterId: broker.clusterId,
      controllerId: broker.config.nodeId,
      topics,
      // Only v8-10 can ask; later versions use DescribeCluster.
      clusterAuthorizedOperations: authorizedOperationsIf(req.includeClusterAuthorizedOperations, ctx, "CLUSTER", CLUSTER_NAME),
    };
  },
);

/** Auto-creation: each requested topic that is named, valid and absent (another request may create it meanwhile). */
async function createMissingTopics(ctx: RequestContext, topics: { name: string | null }[]): Promise<void> {
  for (const { name } of topics) {
    if (name === null || ctx.broker.metadata.topicByName(name) || invalidName(ctx, name)) continue;
    if (!mayDescribeTopic(ctx, name) || !mayCreateTopic(ctx, name)) continue;
    await ctx.broker.createTopic(name, ctx.broker.config.numPartitions).catch((err: unknown) => {
      // A storage error is logged and the topic stays unknown: the client asks again.
      if (!(err instanceof TopicExistsError)) storageErrorCode(ctx, err);
    });
  }
}

function invalidName(ctx: RequestContext, name: string): string | null {
  return topicNameError(name) ?? collidingTopicError(name, ctx.broker.metadata.topics());
}

function describeTopic(ctx: RequestContext, name: string, includeOperations: boolean | undefined): MetadataResponseTopic {
  const topic = ctx.broker.metadata.topicByName(name);
  if (!topic) return unknownTopic(name, undefined, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  return {
    errorCode: ErrorCode.NONE,
    name,
    topicId: topic.topicId,
    isInternal: false,
    partitions: [...topic.partitions.values()]
      .sort((a, b) => a.partitionId - b.partitionId)
      .map((p) => ({
        errorCode: ErrorCode.NONE,
        partitionIndex: p.partitionId,
        leaderId: ctx.broker.leaderOf(name, p),
        leaderEpoch: p.leaderEpoch,
        replicaNodes: p.replicas,
        isrNodes: p.isr,
        offlineReplicas: [],
      })),
    topicAuthorizedOperations: authorizedOperationsIf(includeOperations, ctx, "TOPIC", name),
  };
}

function unknownTopic(name: string | null, topicId: string | undefined, errorCode: number): MetadataResponseTopic {
  return {
    errorCode,
    name,
    topicId: topicId ?? ZERO_UUID,
    isInternal: false,
    partitions: [],
    topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  };
}
