import { defineApi, type RequestContext } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { PRODUCE_REQUEST, type PartitionProduceData, decodeProduceRequest } from "../protocol/generated/produce-request.ts";
import {
  type PartitionProduceResponse,
  type ProduceResponse,
  encodeProduceResponse,
} from "../protocol/generated/produce-response.ts";
import type { BatchErrorCode } from "../codec/types.ts";
import { batchSpans } from "../storage/record-batches.ts";
import { readBatchHeader } from "../codec/batch-header.ts";
import { isControlBatch, isTransactionalBatch } from "../storage/end-transaction-marker.ts";
import { storageErrorCode } from "./storage-errors.ts";
import { mayWriteTopic, mayWriteTransaction } from "./resource-access.ts";
import { clientQuota, recordAndThrottle } from "../quota/throttle.ts";

/**
 * Validates each partition's batches in the codec (lengths, magic 2, CRC-32C, record structure),
 * then appends them with offsets assigned from the log end offset. The response is built once
 * the storage has the batches (in the log file, for the files engine), so an acknowledged write
 * survives a killed process. Partitions are appended concurrently.
 */
export const produce = defineApi(
  "Produce",
  PRODUCE_REQUEST,
  // From v0, as Kafka 3.x advertises: librdkafka before 2.11.1 (kcat, confluent-kafka) sends gzip,
  // snappy and lz4 uncompressed unless the broker lists Produce v0. Only magic-2 batches are
  // accepted at any version; a v0-v2 message set is answered INVALID_RECORD.
  [0, 11],
  decodeProduceRequest,
  encodeProduceResponse,
  async (ctx, req): Promise<ProduceResponse | null> => {
    // A transactional producer needs Write on its transactional id, else nothing is appended.
    const transactionRefused = req.transactionalId != null && !mayWriteTransaction(ctx, req.transactionalId);
    const responses = await Promise.all(
      req.topicData.map(async (t) => {
        const refused = transactionRefused ? ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED : mayWriteTopic(ctx, t.name) ? undefined : ErrorCode.TOPIC_AUTHORIZATION_FAILED;
        return {
          name: t.name,
          partitionResponses: await Promise.all(
            t.partitionData.map((p) => (refused !== undefined ? failed(p.index, refused) : appendPartition(ctx, req.transactionalId ?? null, t.name, p))),
          ),
        };
      }),
    );
    const bytes = req.topicData.reduce((n, t) => t.partitionData.reduce((m, p) => m + (p.records?.length ?? 0), n), 0);
    const throttleTimeMs = recordAndThrottle(ctx, clientQuota(ctx, ctx.broker.quotas.produce), bytes);
    // acks=0: the client expects no response at all (a throttle still holds its next request back).
    if (req.acks === 0) return null;
    return { responses, throttleTimeMs };
  },
);

async function appendPartition(ctx: RequestContext, transactionalId: string | null, topic: string, p: PartitionProduceData): Promise<PartitionProduceResponse> {
  try {
    return await appendToLog(ctx, transactionalId, topic, p);
  } catch (err) {
    return failed(p.index, storageErrorCode(ctx, err), (err as Error).message);
  }
}

async function appendToLog(ctx: RequestContext, transactionalId: string | null, topic: string, p: PartitionProduceData): Promise<PartitionProduceResponse> {
  const log = await ctx.broker.partitionLog(topic, p.index);
  if (!log) return failed(p.index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  const records = p.records;
  if (!records || records.length === 0) return failed(p.index, ErrorCode.INVALID_RECORD, "no record batch");
  // The topic's configs, checked before the CRCs are: max.message.bytes (its default is the broker's
  // message.max.bytes), segment.bytes, and the CreateTime timestamp bounds.
  const tooLarge = log.analyzeAndValidate(records);
  if (tooLarge) return failed(p.index, tooLarge.errorCode, tooLarge.errorMessage);
  const verdict = ctx.broker.codec.validateRecordBatches(records);
  if (verdict.error) return failed(p.index, errorCodeFor(verdict.error), `invalid record batch: ${verdict.error}`);
  const refusal = await checkTransactional(ctx, transactionalId, topic, p.index, records);
  if (refusal) return failed(p.index, refusal.errorCode, refusal.errorMessage);
  const appended = await ctx.broker.producerStates.appendAsLeader(log, records);
  if ("errorCode" in appended) return failed(p.index, appended.errorCode, appended.errorMessage);
  return {
    index: p.index,
    errorCode: ErrorCode.NONE,
    baseOffset: appended.baseOffset,
    logAppendTimeMs: appended.logAppendTime,
    logStartOffset: log.logStartOffset,
    recordErrors: [],
    errorMessage: null,
  };
}

/**
 * Control batches come from the transaction coordinator only. A transactional batch is accepted
 * for a partition the producer added to its open transaction (INVALID_TXN_STATE otherwise), at
 * its current epoch (INVALID_PRODUCER_EPOCH for a fenced one), as Kafka verifies since KIP-890.
 */
async function checkTransactional(
  ctx: RequestContext,
  transactionalId: string | null,
  topic: string,
  partition: number,
  records: Uint8Array,
): Promise<{ errorCode: number; errorMessage: string } | undefined> {
  for (const span of batchSpans(records)) {
    const header = readBatchHeader(records, span.position);
    if (isControlBatch(header)) return { errorCode: ErrorCode.INVALID_RECORD, errorMessage: "clients may not write control batches" };
    if (!isTransactionalBatch(header)) continue;
    const error = await ctx.broker.transactionCoordinator.verifyTransaction(transactionalId, header.producerId, header.producerEpoch, { topic, partition });
    if (error === ErrorCode.PRODUCER_FENCED) return { errorCode: ErrorCode.INVALID_PRODUCER_EPOCH, errorMessage: `producer ${header.producerId} epoch ${header.producerEpoch} is fenced` };
    if (error !== ErrorCode.NONE) return { errorCode: error, errorMessage: `${topic}-${partition} is not part of an open transaction of ${transactionalId}` };
  }
  return undefined;
}

function errorCodeFor(error: BatchErrorCode): number {
  return error === "BAD_MAGIC" || error === "EMPTY" ? ErrorCode.INVALID_RECORD : ErrorCode.CORRUPT_MESSAGE;
}

function failed(index: number, errorCode: number, errorMessage: string | null = null): PartitionProduceResponse {
  return { index, errorCode, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n, recordErrors: [], errorMessage };
}
