import { defineApi, mapInOrder } from "./api.ts";
import { mayReadTopic } from "./resource-access.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { DESCRIBE_PRODUCERS_REQUEST, decodeDescribeProducersRequest } from "../protocol/generated/describe-producers-request.ts";
import { type DescribeProducersResponse, encodeDescribeProducersResponse } from "../protocol/generated/describe-producers-response.ts";

/** The idempotent and transactional producers each partition's log knows (`kafka-transactions.sh describe-producers`). */
export const describeProducers = defineApi(
  "DescribeProducers",
  DESCRIBE_PRODUCERS_REQUEST,
  [0, 0],
  decodeDescribeProducersRequest,
  encodeDescribeProducersResponse,
  async (ctx, req): Promise<DescribeProducersResponse> => ({
    throttleTimeMs: 0,
    topics: await mapInOrder(req.topics, async (t) => ({
      name: t.name,
      partitions: await mapInOrder(t.partitionIndexes, async (partitionIndex) => {
        if (!mayReadTopic(ctx, t.name)) {
          return { partitionIndex, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: null, activeProducers: [] };
        }
        const log = await ctx.broker.partitionLog(t.name, partitionIndex);
        if (!log) return { partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null, activeProducers: [] };
        return { partitionIndex, errorCode: ErrorCode.NONE, errorMessage: null, activeProducers: await ctx.broker.producerStates.activeProducers(log) };
      }),
    })),
  }),
);
