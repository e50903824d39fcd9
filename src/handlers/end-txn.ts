import { defineApi } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { END_TXN_REQUEST, decodeEndTxnRequest } from "../protocol/generated/end-txn-request.ts";
import { type EndTxnResponse, encodeEndTxnResponse } from "../protocol/generated/end-txn-response.ts";
import { fencedForVersion } from "./producer-fenced.ts";
import { mayWriteTransaction } from "./resource-access.ts";

/**
 * Commits or aborts: the markers are in every partition of the transaction when this answers.
 * v5 (an epoch bump per transaction, KIP-890 part 2) is not implemented.
 */
export const endTxn = defineApi(
  "EndTxn",
  END_TXN_REQUEST,
  [0, 4],
  decodeEndTxnRequest,
  encodeEndTxnResponse,
  async (ctx, req): Promise<EndTxnResponse> => {
    if (!mayWriteTransaction(ctx, req.transactionalId)) return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED };
    const error = await ctx.broker.transactionCoordinator.endTxn(req.transactionalId, req.producerId, req.producerEpoch, req.committed);
    return { throttleTimeMs: 0, errorCode: fencedForVersion(error, ctx.apiVersion, 2) };
  },
);
