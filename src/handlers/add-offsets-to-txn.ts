import { defineApi } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { ADD_OFFSETS_TO_TXN_REQUEST, decodeAddOffsetsToTxnRequest } from "../protocol/generated/add-offsets-to-txn-request.ts";
import { type AddOffsetsToTxnResponse, encodeAddOffsetsToTxnResponse } from "../protocol/generated/add-offsets-to-txn-response.ts";
import { GROUP_METADATA_TOPIC_NAME } from "../coordinator/group-metadata-manager.ts";
import { fencedForVersion } from "./producer-fenced.ts";
import { mayReadGroup, mayWriteTransaction } from "./resource-access.ts";

/** Adds the group's __consumer_offsets partition to the transaction, so TxnOffsetCommit may write there. */
export const addOffsetsToTxn = defineApi(
  "AddOffsetsToTxn",
  ADD_OFFSETS_TO_TXN_REQUEST,
  [0, 4],
  decodeAddOffsetsToTxnRequest,
  encodeAddOffsetsToTxnResponse,
  async (ctx, req): Promise<AddOffsetsToTxnResponse> => {
    if (!mayWriteTransaction(ctx, req.transactionalId)) return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED };
    if (!mayReadGroup(ctx, req.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
    const partition = { topic: GROUP_METADATA_TOPIC_NAME, partition: ctx.broker.groupCoordinator.offsetsPartitionFor(req.groupId) };
    const error = await ctx.broker.transactionCoordinator.addPartitionsToTxn(req.transactionalId, req.producerId, req.producerEpoch, [partition]);
    return { throttleTimeMs: 0, errorCode: fencedForVersion(error, ctx.apiVersion, 2) };
  },
);
