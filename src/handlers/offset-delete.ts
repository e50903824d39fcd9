import { defineApi } from "./api.ts";
import { mayReadTopic } from "./resource-access.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { OFFSET_DELETE_REQUEST, decodeOffsetDeleteRequest } from "../protocol/generated/offset-delete-request.ts";
import { type OffsetDeleteResponse, encodeOffsetDeleteResponse } from "../protocol/generated/offset-delete-response.ts";
import { AclOperation, ResourceType } from "../security/acl.ts";

/**
 * A group-level error (GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP) answers every partition; otherwise
 * each partition is UNKNOWN_TOPIC_OR_PARTITION, GROUP_SUBSCRIBED_TO_TOPIC, or deleted (also when
 * nothing was committed for it).
 */
export const offsetDelete = defineApi(
  "OffsetDelete",
  OFFSET_DELETE_REQUEST,
  [0, 0],
  decodeOffsetDeleteRequest,
  encodeOffsetDeleteResponse,
  async (ctx, req): Promise<OffsetDeleteResponse> => {
    if (!ctx.authorize(AclOperation.DELETE, ResourceType.GROUP, req.groupId)) return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, throttleTimeMs: 0, topics: [] };
    const readable = (topic: string) => mayReadTopic(ctx, topic);
    const known = (topic: string, partition: number) => ctx.broker.metadata.topicByName(topic)?.partitions.has(partition) ?? false;
    const partitions = req.topics.flatMap((t) =>
      t.partitions.filter((p) => readable(t.name) && known(t.name, p.partitionIndex)).map((p) => ({ topic: t.name, partition: p.partitionIndex })),
    );
    const { consumerGroups, groupCoordinator } = ctx.broker;
    const { errorCode, subscribedTopics } = consumerGroups.has(req.groupId)
      ? await consumerGroups.deleteOffsets(req.groupId, partitions)
      : await groupCoordinator.deleteOffsets(req.groupId, partitions);
    if (errorCode !== ErrorCode.NONE) return { errorCode, throttleTimeMs: 0, topics: [] };
    return {
      errorCode,
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          errorCode: !readable(t.name)
            ? ErrorCode.TOPIC_AUTHORIZATION_FAILED
            : !known(t.name, p.partitionIndex)
            ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
            : subscribedTopics.has(t.name)
              ? ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC
              : ErrorCode.NONE,
        })),
      })),
    };
  },
);
