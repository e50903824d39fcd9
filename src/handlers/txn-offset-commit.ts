import { defineApi, type RequestContext } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { TXN_OFFSET_COMMIT_REQUEST, type TxnOffsetCommitRequest, decodeTxnOffsetCommitRequest } from "../protocol/generated/txn-offset-commit-request.ts";
import { type TxnOffsetCommitResponse, encodeTxnOffsetCommitResponse } from "../protocol/generated/txn-offset-commit-response.ts";
import { GROUP_METADATA_TOPIC_NAME, type TopicPartitionOffset } from "../coordinator/group-metadata-manager.ts";
import { partitionError } from "./offset-commit.ts";
import { mayReadGroup, mayWriteTransaction } from "./resource-access.ts";

/**
 * Offsets committed as part of a transaction: written now, visible to OffsetFetch once the
 * transaction commits. The group's offsets partition must be in the transaction
 * (AddOffsetsToTxn first); a stale epoch is INVALID_PRODUCER_EPOCH (this API has no
 * PRODUCER_FENCED).
 */
export const txnOffsetCommit = defineApi(
  "TxnOffsetCommit",
  TXN_OFFSET_COMMIT_REQUEST,
  [0, 4],
  decodeTxnOffsetCommitRequest,
  encodeTxnOffsetCommitResponse,
  async (ctx, req): Promise<TxnOffsetCommitResponse> => {
    const refusal = !mayWriteTransaction(ctx, req.transactionalId)
      ? ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED
      : !mayReadGroup(ctx, req.groupId)
        ? ErrorCode.GROUP_AUTHORIZATION_FAILED
        : ErrorCode.NONE;
    const partitionErrors = new Map<string, number>();
    const offsets: TopicPartitionOffset[] = [];
    const now = BigInt(Date.now());
    for (const t of req.topics) {
      for (const p of t.partitions) {
        const error = refusal !== ErrorCode.NONE ? refusal : partitionError(ctx, t.name, p);
        if (error !== ErrorCode.NONE) partitionErrors.set(`${t.name}:${p.partitionIndex}`, error);
        else offsets.push({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch ?? -1, metadata: p.committedMetadata ?? "", commitTimestamp: now });
      }
    }
    const commitError = offsets.length === 0 ? ErrorCode.NONE : await commit(ctx, req, offsets);
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: partitionErrors.get(`${t.name}:${p.partitionIndex}`) ?? commitError })),
      })),
    };
  },
);

async function commit(ctx: RequestContext, req: TxnOffsetCommitRequest, offsets: TopicPartitionOffset[]): Promise<number> {
  const { groupCoordinator, transactionCoordinator } = ctx.broker;
  const offsetsPartition = { topic: GROUP_METADATA_TOPIC_NAME, partition: groupCoordinator.offsetsPartitionFor(req.groupId) };
  const verified = await transactionCoordinator.verifyTransaction(req.transactionalId, req.producerId, req.producerEpoch, offsetsPartition);
  if (verified === ErrorCode.PRODUCER_FENCED) return ErrorCode.INVALID_PRODUCER_EPOCH;
  if (verified !== ErrorCode.NONE) return verified;
  return groupCoordinator.commitTransactionalOffsets(
    { groupId: req.groupId, generationId: req.generationId ?? -1, memberId: req.memberId ?? "", groupInstanceId: req.groupInstanceId ?? null, offsets },
    { producerId: req.producerId, producerEpoch: req.producerEpoch },
  );
}
