/**
 * Producer ids and epochs for InitProducerId. Ids are never handed out twice: the next one is
 * saved by the storage engine (the files engine fsyncs producer-ids.json) before an id is returned. A
 * transactional.id keeps its producer id across InitProducerId calls, each of which bumps the
 * epoch so that an older instance of the same producer is fenced.
 */
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import type { Awaitable, ProducerIdStore } from "../storage/engine.ts";

/**
 * Ids below this are never allocated, so batches from clients that make their producer id up
 * (the CodeCrafters tester writes producer id 0 without calling InitProducerId) can never be
 * mistaken for an allocated producer's.
 */
export const FIRST_PRODUCER_ID = 1000n;

/** Kafka bumps to a new producer id rather than let the epoch (an INT16) overflow. */
const MAX_PRODUCER_EPOCH = 32766;

export interface ProducerIdAndEpoch {
  producerId: bigint;
  producerEpoch: number;
}

export interface InitProducerIdResult extends ProducerIdAndEpoch {
  errorCode: number;
}

export class ProducerIdManager {
  private constructor(
    private readonly store: ProducerIdStore,
    private nextProducerId: bigint,
    private readonly transactionalIds: Map<string, ProducerIdAndEpoch>,
  ) {}

  static async open(store: ProducerIdStore): Promise<ProducerIdManager> {
    const stored = await store.load();
    return new ProducerIdManager(store, stored?.nextProducerId ?? FIRST_PRODUCER_ID, stored?.transactionalIds ?? new Map());
  }

  /** Whether InitProducerId handed this id out; other ids are accepted without sequence checks. */
  isAllocated(producerId: bigint): boolean {
    return producerId >= FIRST_PRODUCER_ID && producerId < this.nextProducerId;
  }

  /**
   * Without a transactional.id every call gets a fresh producer id at epoch 0, as Kafka does
   * (whatever producer id and epoch the request carries). With one, the id is kept and the
   * epoch bumped; a request naming another id or epoch than the current one is fenced
   * (PRODUCER_FENCED, which the handler turns into INVALID_PRODUCER_EPOCH for old versions).
   */
  async initProducerId(transactionalId: string | null, expected: ProducerIdAndEpoch | null): Promise<InitProducerIdResult> {
    if (transactionalId === null) {
      const producerId = this.allocate();
      await this.persist();
      return { errorCode: ErrorCode.NONE, producerId, producerEpoch: 0 };
    }
    const current = this.transactionalIds.get(transactionalId);
    if (current && expected && (expected.producerId !== current.producerId || expected.producerEpoch !== current.producerEpoch)) {
      return { errorCode: ErrorCode.PRODUCER_FENCED, producerId: -1n, producerEpoch: -1 };
    }
    const next =
      current && current.producerEpoch < MAX_PRODUCER_EPOCH
        ? { producerId: current.producerId, producerEpoch: current.producerEpoch + 1 }
        : { producerId: this.allocate(), producerEpoch: 0 };
    this.transactionalIds.set(transactionalId, next);
    await this.persist();
    return { errorCode: ErrorCode.NONE, ...next };
  }

  private allocate(): bigint {
    return this.nextProducerId++;
  }

  private persist(): Awaitable<void> {
    return this.store.save({ nextProducerId: this.nextProducerId, transactionalIds: new Map(this.transactionalIds) });
  }
}
