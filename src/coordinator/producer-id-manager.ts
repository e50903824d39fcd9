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

export class ProducerIdManager {
  private constructor(
    private readonly store: ProducerIdStore,
    private nextProducerId: bigint,
  ) {}

  static async open(store: ProducerIdStore): Promise<ProducerIdManager> {
    const stored = await store.load();
    return new ProducerIdManager(store, stored?.nextProducerId ?? FIRST_PRODUCER_ID);
  }

  /** Takes in the ids other brokers sharing the store handed out since this one last looked. */
  async refresh(): Promise<void> {
    const stored = await this.store.load();
    if (stored && stored.nextProducerId > this.nextProducerId) this.nextProducerId = stored.nextProducerId;
  }

  /** Whether InitProducerId handed this id out; other ids are accepted without sequence checks. */
  isAllocated(producerId: bigint): boolean {
    return producerId >= FIRST_PRODUCER_ID && producerId < this.nextProducerId;
  }

  /** A producer id never handed out before, saved before it is returned. */
  async generateProducerId(): Promise<bigint> {
    await this.refresh();
    const producerId = this.nextProducerId++;
    await this.store.save({ nextProducerId: this.nextProducerId });
    return producerId;
  }
}
