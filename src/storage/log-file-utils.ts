/** Kafka's LogFileUtils: the names of a segment's files, `<20-digit base offset><suffix>`. */

export const LOG_FILE_SUFFIX = ".log";
export const INDEX_FILE_SUFFIX = ".index";
export const TIME_INDEX_FILE_SUFFIX = ".timeindex";
/** The aborted transactions whose markers the segment holds (TransactionIndex). */
export const TXN_INDEX_FILE_SUFFIX = ".txnindex";
/** A segment the LogCleaner is still writing; removed at start-up. */
export const CLEANED_FILE_SUFFIX = ".cleaned";
/** A deleted segment's files, removed file.delete.delay.ms later (or at start-up). */
export const DELETED_FILE_SUFFIX = ".deleted";
/** A cleaned segment about to replace the ones it was built from; the swap is completed at start-up. */
export const SWAP_FILE_SUFFIX = ".swap";

export function offsetFileName(offset: bigint, suffix: string): string {
  return `${offset.toString().padStart(20, "0")}${suffix}`;
}

const OFFSET_FILE = /^(\d{20})(\.[a-z]+)(\.[a-z]+)?$/;

/** The base offset and suffixes of a segment's file ("…42.log.swap" → 42n, ".log", ".swap"), or undefined. */
export function parseOffsetFileName(name: string): { offset: bigint; suffix: string; state?: string } | undefined {
  const match = OFFSET_FILE.exec(name);
  return match ? { offset: BigInt(match[1]), suffix: match[2], state: match[3] } : undefined;
}
