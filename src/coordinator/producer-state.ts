/**
 * Kafka's ProducerStateManager for one partition: for each idempotent producer, its epoch and
 * the sequence ranges and offsets of its last five batches. That is what lets a retried batch
 * be answered with its original offset instead of being written twice, and a gap in the
 * sequence be refused. For transactional producers it also knows the first offset of each
 * ongoing transaction, which gives the partition's first unstable offset (the last stable offset
 * read_committed consumers stop at). Pure bookkeeping: the caller reads batch headers and appends.
 */
import { TRANSACTIONAL_BATCH, type BatchHeader } from "../codec/batch-header.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import type { AbortedTxn } from "../storage/transaction-index.ts";
import type { ProducerState } from "../protocol/generated/describe-producers-response.ts";

/** Kafka keeps five: a producer has at most five requests in flight per connection. */
export const NUM_BATCHES_TO_RETAIN = 5;

const INT32_MAX = 0x7fffffff;

export type ProducerBatch = Pick<BatchHeader, "producerId" | "producerEpoch" | "baseSequence" | "lastOffsetDelta"> &
  Partial<Pick<BatchHeader, "attributes" | "maxTimestamp">>;

interface BatchMetadata {
  firstSeq: number;
  lastSeq: number;
  firstOffset: bigint;
}

interface ProducerStateEntry {
  producerEpoch: number;
  /** Oldest first, at most NUM_BATCHES_TO_RETAIN. */
  batches: BatchMetadata[];
  /** The epoch of the coordinator that wrote this producer's last marker, -1 before any. */
  coordinatorEpoch: number;
  lastTimestamp: bigint;
}

/** What DescribeProducers reports for one producer of a partition (current_txn_start_offset -1: none open). */
export type ActiveProducer = ProducerState;

/** A transaction ended by a marker: what the aborted-transaction index records of an abort. */
export type CompletedTxn = AbortedTxn;

export type AppendAnalysis =
  | { kind: "append"; complete(baseOffset: bigint): void }
  | { kind: "duplicate"; firstOffset: bigint }
  | { kind: "error"; errorCode: number; message: string };

/** Sequences wrap from INT32_MAX to 0. */
export function lastSequence(batch: Pick<ProducerBatch, "baseSequence" | "lastOffsetDelta">): number {
  const { baseSequence, lastOffsetDelta } = batch;
  return baseSequence > INT32_MAX - lastOffsetDelta ? lastOffsetDelta - (INT32_MAX - baseSequence) - 1 : baseSequence + lastOffsetDelta;
}

function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === INT32_MAX);
}

function withBatch(entry: ProducerStateEntry | undefined, batch: ProducerBatch, firstOffset: bigint): ProducerStateEntry {
  const metadata = { firstSeq: batch.baseSequence, lastSeq: lastSequence(batch), firstOffset };
  const sameEpoch = entry !== undefined && entry.producerEpoch === batch.producerEpoch;
  return {
    producerEpoch: batch.producerEpoch,
    batches: sameEpoch ? [...entry.batches, metadata].slice(-NUM_BATCHES_TO_RETAIN) : [metadata],
    coordinatorEpoch: entry?.coordinatorEpoch ?? -1,
    lastTimestamp: batch.maxTimestamp ?? entry?.lastTimestamp ?? -1n,
  };
}

const isTransactional = (batch: ProducerBatch) => ((batch.attributes ?? 0) & TRANSACTIONAL_BATCH) !== 0;

export class ProducerStateManager {
  private readonly producers = new Map<bigint, ProducerStateEntry>();
  /** Producer id → first offset of its open transaction in this partition. */
  private readonly ongoingTxns = new Map<bigint, bigint>();

  /** Replays a batch already in the log (start-up), without checking it. */
  load(batch: ProducerBatch, firstOffset: bigint): void {
    if (batch.producerId < 0n) return;
    this.producers.set(batch.producerId, withBatch(this.producers.get(batch.producerId), batch, firstOffset));
    if (isTransactional(batch) && !this.ongoingTxns.has(batch.producerId)) this.ongoingTxns.set(batch.producerId, firstOffset);
  }

  /** The first offset of the oldest open transaction: read_committed reads stop there. */
  firstUnstableOffset(): bigint | undefined {
    let first: bigint | undefined;
    for (const offset of this.ongoingTxns.values()) if (first === undefined || offset < first) first = offset;
    return first;
  }

  /** Kafka refuses a marker older than the producer's epoch (a zombie coordinator's). */
  checkMarker(producerId: bigint, producerEpoch: number): number {
    const entry = this.producers.get(producerId);
    return entry && producerEpoch < entry.producerEpoch ? ErrorCode.INVALID_PRODUCER_EPOCH : ErrorCode.NONE;
  }

  /**
   * A marker at `markerOffset` ends the producer's transaction. Its epoch becomes the producer's
   * (a bumped epoch restarts sequences at 0). Returns the transaction it closed, if one was open.
   */
  completeTxn(producerId: bigint, producerEpoch: number, coordinatorEpoch: number, markerOffset: bigint, timestamp: bigint): CompletedTxn | undefined {
    const entry = this.producers.get(producerId);
    const sameEpoch = entry !== undefined && entry.producerEpoch === producerEpoch;
    this.producers.set(producerId, { producerEpoch, batches: sameEpoch ? entry.batches : [], coordinatorEpoch, lastTimestamp: timestamp });
    const firstOffset = this.ongoingTxns.get(producerId);
    if (firstOffset === undefined) return undefined;
    this.ongoingTxns.delete(producerId);
    return { producerId, firstOffset, lastOffset: markerOffset, lastStableOffset: this.firstUnstableOffset() ?? markerOffset + 1n };
  }

  activeProducers(): ActiveProducer[] {
    return [...this.producers].map(([producerId, entry]) => ({
      producerId,
      producerEpoch: entry.producerEpoch,
      lastSequence: entry.batches.length > 0 ? entry.batches[entry.batches.length - 1].lastSeq : -1,
      lastTimestamp: entry.lastTimestamp,
      coordinatorEpoch: entry.coordinatorEpoch,
      currentTxnStartOffset: this.ongoingTxns.get(producerId) ?? -1n,
    }));
  }

  /**
   * Checks the batches of one append, in order. Producers for which `strict` is false are
   * tracked but never refused. On "append", call complete() with the base offset the log
   * assigned to the first batch.
   */
  analyze(batches: ProducerBatch[], strict: (producerId: bigint) => boolean): AppendAnalysis {
    const working = new Map<bigint, ProducerStateEntry>();
    const staged: { batch: ProducerBatch; relativeOffset: bigint }[] = [];
    let relativeOffset = 0n;
    for (const batch of batches) {
      if (batch.producerId >= 0n) {
        const entry = working.get(batch.producerId) ?? this.producers.get(batch.producerId);
        if (strict(batch.producerId)) {
          const refusal = check(entry, batch);
          if (refusal) return refusal;
        }
        if (this.ongoingTxns.has(batch.producerId) && !isTransactional(batch)) {
          return { kind: "error", errorCode: ErrorCode.INVALID_TXN_STATE, message: `producer ${batch.producerId} has an open transaction; its batches must be transactional` };
        }
        working.set(batch.producerId, withBatch(entry, batch, relativeOffset));
        staged.push({ batch, relativeOffset });
      }
      relativeOffset += BigInt(batch.lastOffsetDelta) + 1n;
    }
    return {
      kind: "append",
      complete: (baseOffset) => {
        for (const { batch, relativeOffset } of staged) this.load(batch, baseOffset + relativeOffset);
      },
    };
  }
}

/**
 * Kafka's rules: a lower epoch is fenced; a batch it has seen (same epoch and sequence range) is
 * a duplicate; a new epoch must start at sequence 0; otherwise the sequence must follow on. A
 * producer with no state here (new, or its batches are older than what was scanned) may start
 * anywhere.
 */
function check(entry: ProducerStateEntry | undefined, batch: ProducerBatch): AppendAnalysis | undefined {
  if (!entry) return undefined;
  if (batch.producerEpoch < entry.producerEpoch) {
    return {
      kind: "error",
      errorCode: ErrorCode.INVALID_PRODUCER_EPOCH,
      message: `producer ${batch.producerId} epoch ${batch.producerEpoch} is older than the last seen epoch ${entry.producerEpoch}`,
    };
  }
  const lastSeq = lastSequence(batch);
  if (batch.producerEpoch === entry.producerEpoch) {
    const duplicate = entry.batches.find((b) => b.firstSeq === batch.baseSequence && b.lastSeq === lastSeq);
    if (duplicate) return { kind: "duplicate", firstOffset: duplicate.firstOffset };
    // No batch at this epoch yet (a marker bumped it): the sequence starts again at 0.
    if (entry.batches.length === 0) return batch.baseSequence === 0 ? undefined : outOfOrder(`epoch ${batch.producerEpoch} of producer ${batch.producerId} must start at sequence 0, not ${batch.baseSequence}`);
    const currentLastSeq = entry.batches[entry.batches.length - 1].lastSeq;
    if (inSequence(currentLastSeq, batch.baseSequence)) return undefined;
    return outOfOrder(`expected sequence ${currentLastSeq + 1} from producer ${batch.producerId}, got ${batch.baseSequence}`);
  }
  if (batch.baseSequence === 0) return undefined;
  return outOfOrder(`a new epoch ${batch.producerEpoch} of producer ${batch.producerId} must start at sequence 0, not ${batch.baseSequence}`);
}

function outOfOrder(message: string): AppendAnalysis {
  return { kind: "error", errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, message };
}
