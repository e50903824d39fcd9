import { defineApi, mapInOrder } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { ZERO_UUID } from "../protocol/reader.ts";
import { DELETE_TOPICS_REQUEST, decodeDeleteTopicsRequest } from "../protocol/generated/delete-topics-request.ts";
import { type DeleteTopicsResponse, encodeDeleteTopicsResponse } from "../protocol/generated/delete-topics-response.ts";
import { storageErrorCode } from "./storage-errors.ts";
import { AclOperation, ResourceType } from "../security/acl.ts";

/** Topics are named (v0–v5) or given by name or id (v6+). */
export const deleteTopics = defineApi(
  "DeleteTopics",
  DELETE_TOPICS_REQUEST,
  [1, 6],
  decodeDeleteTopicsRequest,
  encodeDeleteTopicsResponse,
  async (ctx, req): Promise<DeleteTopicsResponse> => {
    const { metadata } = ctx.broker;
    // The decoder fills the field a version lacks with [], so pick by version, not by presence.
    const requested =
      ctx.apiVersion >= 6 ? (req.topics ?? []) : (req.topicNames ?? []).map((name) => ({ name, topicId: ZERO_UUID }));
    return {
      throttleTimeMs: 0,
      responses: await mapInOrder(requested, async ({ name, topicId }) => {
        const topic = name ? metadata.topicByName(name) : topicId && topicId !== ZERO_UUID ? metadata.topicById(topicId) : undefined;
        const named = name ?? topic?.name;
        if (named && !ctx.authorize(AclOperation.DELETE, ResourceType.TOPIC, named)) {
          return { name: name ?? null, topicId: topicId ?? ZERO_UUID, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: "Authorization failed." };
        }
        if (!topic) {
          const errorCode = name ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.UNKNOWN_TOPIC_ID;
          return { name: name ?? null, topicId: topicId ?? ZERO_UUID, errorCode, errorMessage: null };
        }
        if (!ctx.broker.config.deleteTopicEnable) {
          return { name: topic.name, topicId: topic.topicId, errorCode: ErrorCode.TOPIC_DELETION_DISABLED, errorMessage: "Topic deletion is disabled (delete.topic.enable=false)." };
        }
        try {
          await ctx.broker.deleteTopic(topic.name);
        } catch (err) {
          return { name: topic.name, topicId: topic.topicId, errorCode: storageErrorCode(ctx, err), errorMessage: (err as Error).message };
        }
        return { name: topic.name, topicId: topic.topicId, errorCode: ErrorCode.NONE, errorMessage: null };
      }),
    };
  },
);
