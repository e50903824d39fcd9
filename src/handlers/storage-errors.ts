/**
 * A failed read or write of a log file is an answer, not a closed connection: KAFKA_STORAGE_ERROR
 * for the partition it happened on, and one error line naming the file and the errno (the same
 * failure again, a producer retrying into a full disk, is not logged again; a request still in
 * flight when the broker shuts down is not a failure to report). A partition deleted under the
 * request is UNKNOWN_TOPIC_OR_PARTITION.
 */
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { KafkaStorageException, STORAGE_CLOSED, UnknownTopicOrPartitionException } from "../storage/storage-error.ts";
import type { Logger } from "../logger.ts";
import type { RequestContext } from "./api.ts";

/** Distinct failures remembered per logger before the memory is reset. */
const REMEMBERED_FAILURES = 1024;
const reported = new WeakMap<Logger, Set<string>>();

/** The error code for `err` thrown while serving one partition; rethrows anything that is not a storage error. */
export function storageErrorCode(ctx: Pick<RequestContext, "broker">, err: unknown): number {
  if (err instanceof UnknownTopicOrPartitionException) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  if (!(err instanceof KafkaStorageException)) throw err;
  if (err.errno === STORAGE_CLOSED) return ErrorCode.KAFKA_STORAGE_ERROR;
  const log = ctx.broker.log;
  let seen = reported.get(log);
  if (!seen || seen.size >= REMEMBERED_FAILURES) reported.set(log, (seen = new Set()));
  if (!seen.has(err.message)) {
    seen.add(err.message);
    log.error(err.message);
  }
  return ErrorCode.KAFKA_STORAGE_ERROR;
}
