/**
 * Kafka's ProducerStateManager for one partition: for each idempotent producer, its epoch and
 * the sequence ranges and offsets of its last five batches. That is what lets a retried batch
 * be answered with its original offset instead of being written twice, and a gap in the
 * sequence be refused. Pure bookkeeping: the caller reads batch headers and appends.
 */
import type { BatchHeader } from "../codec/batch-header.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";

/** Kafka keeps five: a producer has at most five requests in flight per connection. */
export const NUM_BATCHES_TO_RETAIN = 5;

const INT32_MAX = 0x7fffffff;

export type ProducerBatch = Pick<BatchHeader, "producerId" | "producerEpoch" | "baseSequence" | "lastOffsetDelta">;

interface BatchMetadata {
  firstSeq: number;
  lastSeq: number;
  firstOffset: bigint;
}

interface ProducerStateEntry {
  producerEpoch: number;
  /** Oldest first, at most NUM_BATCHES_TO_RETAIN. */
  batches: BatchMetadata[];
}

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
  if (!entry || entry.producerEpoch !== batch.producerEpoch) return { producerEpoch: batch.producerEpoch, batches: [metadata] };
  return { producerEpoch: batch.producerEpoch, batches: [...entry.batches, metadata].slice(-NUM_BATCHES_TO_RETAIN) };
}

export class ProducerStateManager {
  private readonly producers = new Map<bigint, ProducerStateEntry>();

  /** Replays a batch already in the log (start-up), without checking it. */
  load(batch: ProducerBatch, firstOffset: bigint): void {
    if (batch.producerId < 0n) return;
    this.producers.set(batch.producerId, withBatch(this.producers.get(batch.producerId), batch, firstOffset));
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
