/**
 * Producer ids for InitProducerId. Ids are never handed out twice: the next one is saved by the
 * storage engine (the files engine fsyncs producer-ids.json) before an id is returned. Which id
 * a transactional.id holds, and its epoch, is the TransactionCoordinator's.
 */
import type { ProducerIdStore } from "../storage/engine.ts";

/**
 * Ids below this are never allocated, so batches from clients that make their producer id up
 * (the CodeCrafters tester writes producer id 0 without calling InitProducerId) can never be
 * mistaken for an allocated producer's.
 */
export const FIRST_PRODUCER_ID = 1000n;

/** Bounds the retries of an allocation that other brokers keep winning. */
const MAX_ALLOCATION_ATTEMPTS = 100;

/** Keeps no state of its own: every allocation reads the store, which only ever moves forward. */
export class ProducerIdManager {
  constructor(private readonly store: ProducerIdStore) {}

  /**
   * Whether the id is one InitProducerId hands out, here or on another broker sharing the store:
   * every id from FIRST_PRODUCER_ID on. Others are accepted without sequence checks.
   */
  isAllocated(producerId: bigint): boolean {
    return producerId >= FIRST_PRODUCER_ID;
  }

  /** A producer id never handed out before, by this broker or another sharing the store; saved before it is returned. */
  async generateProducerId(): Promise<bigint> {
    for (let attempt = 0; attempt < MAX_ALLOCATION_ATTEMPTS; attempt++) {
      const stored = await this.store.load();
      const producerId = stored?.nextProducerId ?? FIRST_PRODUCER_ID;
      if (await this.store.save({ nextProducerId: producerId + 1n }, stored)) return producerId;
    }
    throw new Error(`could not allocate a producer id in ${MAX_ALLOCATION_ATTEMPTS} attempts: other brokers kept taking the next one`);
  }
}
