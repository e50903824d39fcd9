/**
 * Producer ids and epochs for InitProducerId. Ids are never handed out twice: the next one is
 * written (and fsynced) to a small file in the log dir before an id is returned. A
 * transactional.id keeps its producer id across InitProducerId calls, each of which bumps the
 * epoch so that an older instance of the same producer is fenced.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { join } from "node:path";
import { ErrorCode } from "../protocol/generated/error-codes.ts";

export const PRODUCER_IDS_FILE = "producer-ids.json";

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

interface StoredState {
  nextProducerId: string;
  transactionalIds: { [transactionalId: string]: { producerId: string; producerEpoch: number } };
}

export class ProducerIdManager {
  private nextProducerId = FIRST_PRODUCER_ID;
  private readonly transactionalIds = new Map<string, ProducerIdAndEpoch>();
  private readonly path: string;

  constructor(logDir: string) {
    this.path = join(logDir, PRODUCER_IDS_FILE);
    if (!existsSync(this.path)) return;
    const stored = JSON.parse(readFileSync(this.path, "utf8")) as StoredState;
    this.nextProducerId = BigInt(stored.nextProducerId);
    for (const [id, p] of Object.entries(stored.transactionalIds)) {
      this.transactionalIds.set(id, { producerId: BigInt(p.producerId), producerEpoch: p.producerEpoch });
    }
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
  initProducerId(transactionalId: string | null, expected: ProducerIdAndEpoch | null): InitProducerIdResult {
    if (transactionalId === null) {
      const producerId = this.allocate();
      this.persist();
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
    this.persist();
    return { errorCode: ErrorCode.NONE, ...next };
  }

  private allocate(): bigint {
    return this.nextProducerId++;
  }

  /** Written to a temporary file, fsynced and renamed, so a crash leaves the old or the new state whole. */
  private persist(): void {
    const stored: StoredState = { nextProducerId: this.nextProducerId.toString(), transactionalIds: {} };
    for (const [id, p] of this.transactionalIds) {
      stored.transactionalIds[id] = { producerId: p.producerId.toString(), producerEpoch: p.producerEpoch };
    }
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, "w");
    try {
      writeSync(fd, JSON.stringify(stored));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
  }
}
