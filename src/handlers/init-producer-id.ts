import { defineApi } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { INIT_PRODUCER_ID_REQUEST, decodeInitProducerIdRequest } from "../protocol/generated/init-producer-id-request.ts";
import { type InitProducerIdResponse, encodeInitProducerIdResponse } from "../protocol/generated/init-producer-id-response.ts";

/** transaction.max.timeout.ms */
const MAX_TRANSACTION_TIMEOUT_MS = 900_000;

/**
 * A producer id and epoch for an idempotent (or transactional) producer. v3+ may name the
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
    if (req.transactionalId !== null && (req.transactionTimeoutMs <= 0 || req.transactionTimeoutMs > MAX_TRANSACTION_TIMEOUT_MS)) {
      return refused(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    }
    const expected =
      req.producerId !== undefined && req.producerId >= 0n ? { producerId: req.producerId, producerEpoch: req.producerEpoch ?? -1 } : null;
    const result = await ctx.broker.producerIds.initProducerId(req.transactionalId, expected);
    // Clients before v4 do not know PRODUCER_FENCED; Kafka tells them INVALID_PRODUCER_EPOCH.
    if (result.errorCode === ErrorCode.PRODUCER_FENCED && ctx.apiVersion < 4) return refused(ErrorCode.INVALID_PRODUCER_EPOCH);
    return { throttleTimeMs: 0, ...result };
  },
);
