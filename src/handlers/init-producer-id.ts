import { defineApi } from "./api.ts";
import { INIT_PRODUCER_ID_REQUEST, decodeInitProducerIdRequest } from "../protocol/generated/init-producer-id-request.ts";
import { type InitProducerIdResponse, encodeInitProducerIdResponse } from "../protocol/generated/init-producer-id-response.ts";
import { fencedForVersion } from "./producer-fenced.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { AclOperation, CLUSTER_NAME, ResourceType } from "../security/acl.ts";

/**
 * A producer id and epoch for an idempotent or transactional producer. v3+ may name the
 * producer id and epoch the client had, to bump the epoch of a transactional.id.
 */
export const initProducerId = defineApi(
  "InitProducerId",
  INIT_PRODUCER_ID_REQUEST,
  [0, 5],
  decodeInitProducerIdRequest,
  encodeInitProducerIdResponse,
  async (ctx, req): Promise<InitProducerIdResponse> => {
    const refused = (errorCode: number) => ({ throttleTimeMs: 0, errorCode, producerId: -1n, producerEpoch: -1 });
    if (req.transactionalId !== null) {
      if (!ctx.authorize(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, req.transactionalId)) return refused(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    } else if (!ctx.authorize(AclOperation.IDEMPOTENT_WRITE, ResourceType.CLUSTER, CLUSTER_NAME) && !ctx.authorizeByResourceType(AclOperation.WRITE, ResourceType.TOPIC)) {
      // An idempotent producer needs IdempotentWrite on the cluster, or Write on some topic (Kafka 3.0+).
      return refused(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    }
    const expected =
      req.producerId !== undefined && req.producerId >= 0n ? { producerId: req.producerId, producerEpoch: req.producerEpoch ?? -1 } : null;
    const result = await ctx.broker.transactionCoordinator.initProducerId(req.transactionalId, req.transactionTimeoutMs, expected);
    return { throttleTimeMs: 0, ...result, errorCode: fencedForVersion(result.errorCode, ctx.apiVersion, 4) };
  },
);
