import { defineApi, mapInOrder } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { CREATE_PARTITIONS_REQUEST, decodeCreatePartitionsRequest } from "../protocol/generated/create-partitions-request.ts";
import { type CreatePartitionsResponse, encodeCreatePartitionsResponse } from "../protocol/generated/create-partitions-response.ts";
import { storageErrorCode } from "./storage-errors.ts";
import { MAX_PARTITIONS_PER_REQUEST, TOO_MANY_PARTITIONS } from "./create-topics.ts";
import { AclOperation, ResourceType } from "../security/acl.ts";

export const createPartitions = defineApi(
  "CreatePartitions",
  CREATE_PARTITIONS_REQUEST,
  [0, 3],
  decodeCreatePartitionsRequest,
  encodeCreatePartitionsResponse,
  async (ctx, req): Promise<CreatePartitionsResponse> => {
    const added = req.topics.reduce((sum, { name, count }) => sum + Math.max(0, count - (ctx.broker.metadata.topicByName(name)?.partitions.size ?? count)), 0);
    if (added > MAX_PARTITIONS_PER_REQUEST) {
      return { throttleTimeMs: 0, results: req.topics.map(({ name }) => ({ name, errorCode: ErrorCode.POLICY_VIOLATION, errorMessage: TOO_MANY_PARTITIONS })) };
    }
    return {
      throttleTimeMs: 0,
      results: await mapInOrder(req.topics, async ({ name, count }) => {
        if (!ctx.authorize(AclOperation.ALTER, ResourceType.TOPIC, name)) {
          return { name, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: "Authorization failed." };
        }
        const topic = ctx.broker.metadata.topicByName(name);
        if (!topic) return { name, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `The topic '${name}' does not exist.` };
        const current = topic.partitions.size;
        if (count <= current) {
          const errorMessage = `Topic currently has ${current} partitions, which is higher than or equal to the requested ${count}.`;
          return { name, errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage };
        }
        try {
          if (!req.validateOnly) await ctx.broker.createPartitions(name, count);
        } catch (err) {
          return { name, errorCode: storageErrorCode(ctx, err), errorMessage: (err as Error).message };
        }
        return { name, errorCode: ErrorCode.NONE, errorMessage: null };
      }),
    };
  },
);
