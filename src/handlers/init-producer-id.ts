import { defineApi } from "./api.ts";
import { INIT_PRODUCER_ID_REQUEST, decodeInitProducerIdRequest } from "../protocol/generated/init-producer-id-request.ts";
import { type InitProducerIdResponse, encodeInitProducerIdResponse } from "../protocol/generated/init-producer-id-response.ts";
import { fencedForVersion } from "./producer-fenced.ts";

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
    const expected =
      req.producerId !== undefined && req.producerId >= 0n ? { producerId: req.producerId, producerEpoch: req.producerEpoch ?? -1 } : null;
    const result = await ctx.broker.transactionCoordinator.initProducerId(req.transactionalId, req.transactionTimeoutMs, expected);
    return { throttleTimeMs: 0, ...result, errorCode: fencedForVersion(result.errorCode, ctx.apiVersion, 4) };
  },
);
