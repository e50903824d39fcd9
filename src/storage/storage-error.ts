/**
 * Kafka's KafkaStorageException: a read or write of a log file failed (ENOSPC, EMFILE, EACCES,
 * EIO, ...). Handlers answer it as KAFKA_STORAGE_ERROR for the partition; the message names the
 * file and the errno, which fs errors on a file descriptor do not.
 */
export class KafkaStorageException extends Error {
  constructor(
    readonly path: string,
    readonly errno: string,
    readonly syscall: string | undefined,
  ) {
    super(`${syscall ?? "I/O"} of ${path} failed: ${errno}`);
  }
}

/**
 * Kafka's UnknownTopicOrPartitionException: the partition's log went away under the request (a
 * broker sharing the storage deleted its topic). Answered UNKNOWN_TOPIC_OR_PARTITION.
 */
export class UnknownTopicOrPartitionException extends Error {}

/**
 * The errno of an operation refused because the engine is closing (the broker shutting down):
 * the request it served has lost its connection, so it is answered but not reported.
 */
export const STORAGE_CLOSED = "STORAGE_CLOSED";

/** Runs file work on `path`; an operating-system error comes out as a KafkaStorageException naming it. */
export function onFile<T>(path: string, work: () => T): T {
  try {
    return work();
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (err instanceof KafkaStorageException || typeof e?.code !== "string" || !e.code.startsWith("E")) throw err;
    throw new KafkaStorageException(path, e.code, e.syscall);
  }
}
