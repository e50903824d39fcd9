/**
 * Kafka's TransactionCoordinator on a single broker. Each transactional.id keeps one producer id;
 * every InitProducerId bumps its epoch, which fences older instances. A transaction goes
 * Empty → Ongoing (AddPartitionsToTxn / AddOffsetsToTxn) → PrepareCommit or PrepareAbort
 * (EndTxn, a timeout, or a new instance's InitProducerId) → markers written to every partition
 * of the transaction → CompleteCommit or CompleteAbort. Every transition is in
 * `__transaction_state` before it is answered, so a broker killed at any point finds, at
 * start-up, either an open transaction (aborted when it times out) or a prepared one, whose
 * markers it writes again before completing it: the transaction ends wholly committed or wholly
 * aborted.
 *
 * The prepare, the markers and the completion happen within the one EndTxn (or InitProducerId,
 * or timeout), and every change of the coordinator's state runs in one queue, one after another,
 * so the Prepare states are never seen by a client.
 *
 * Brokers sharing the storage each coordinate the transactional ids the spread gives them and
 * answer NOT_COORDINATOR for the others, but every broker follows `__transaction_state`: Produce
 * and TxnOffsetCommit check a transaction wherever they arrive, and when a coordinator dies the
 * one taking its ids over carries on from their last records. A prepared transaction can then
 * only be one its coordinator stopped in the middle of: the taker writes its markers (again, for
 * the partitions that had them) and completes it.
 */
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import type { EndTransactionMarker } from "../storage/end-transaction-marker.ts";
import { SerialQueue } from "../storage/serial-queue.ts";
import type { ProducerIdManager } from "./producer-id-manager.ts";
import {
  type TopicPartition,
  type TransactionMetadata,
  type TransactionStateName,
  partitionKey,
  topicPartitions,
} from "./transaction-metadata.ts";
import type { TransactionStateManager } from "./transaction-state-manager.ts";

export interface TransactionConfig {
  /** transaction.max.timeout.ms: the longest transaction.timeout.ms a producer may ask for. */
  transactionMaxTimeoutMs: number;
  /** transaction.abort.timed.out.transaction.cleanup.interval.ms */
  transactionAbortTimedOutTransactionCleanupIntervalMs: number;
}

/** Writes a transaction's marker to one of its partitions (Kafka's TransactionMarkerChannelManager). */
export interface TransactionMarkerWriter {
  writeTxnMarker(topic: string, partition: number, marker: EndTransactionMarker): Promise<void>;
}

export interface ProducerIdAndEpoch {
  producerId: bigint;
  producerEpoch: number;
}

export interface InitProducerIdResult extends ProducerIdAndEpoch {
  errorCode: number;
}

/** Kafka moves to a new producer id rather than let the epoch (an INT16) overflow. */
const MAX_PRODUCER_EPOCH = 32766;
/** The coordinator epoch markers carry: coordinators take ids over without an election here, so it stays 0. */
const COORDINATOR_EPOCH = 0;
/** setTimeout fires at once for longer delays. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const refused = (errorCode: number): InitProducerIdResult => ({ errorCode, producerId: -1n, producerEpoch: -1 });

export class TransactionCoordinator {
  private readonly transactions = new Map<string, TransactionMetadata>();
  private readonly changes = new SerialQueue();
  private timer: NodeJS.Timeout | undefined;
  /** Whether this broker coordinates the transactional id: always alone; in a cluster, the ids the spread gives it. */
  ownsTransactionalId: (transactionalId: string) => boolean = () => true;

  constructor(
    private readonly config: TransactionConfig,
    private readonly producerIds: Pick<ProducerIdManager, "generateProducerId">,
    private readonly stateManager: TransactionStateManager,
    private readonly markers: TransactionMarkerWriter,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Reads __transaction_state back and follows what other brokers append to it, ends the
   * transactions that were being ended, and starts the timeout checks.
   */
  async load(): Promise<void> {
    await this.stateManager.load(this.transactions);
    // A failed read (the database away) is retried at the next append.
    await this.stateManager.follow(() => void this.changes.run(() => this.stateManager.load(this.transactions)).catch(() => undefined));
    await this.completePreparedTransactions();
    const interval = Math.min(Math.max(1, this.config.transactionAbortTimedOutTransactionCleanupIntervalMs), MAX_TIMER_MS);
    // A check that fails (the storage away) is made again at the next interval.
    const check = () => this.completePreparedTransactions().then(() => this.abortTimedOutTransactions());
    this.timer = setInterval(() => void check().catch(() => undefined), interval);
    this.timer.unref();
  }

  /**
   * Without a transactional.id every call gets a fresh producer id at epoch 0. With one, the id
   * is kept and its epoch bumped; an open transaction of the previous epoch is aborted first.
   * A request naming another producer id or epoch than the current is fenced, unless it names
   * the epoch just before the last bump (KIP-360's retry).
   */
  async initProducerId(transactionalId: string | null, txnTimeoutMs: number, expected: ProducerIdAndEpoch | null): Promise<InitProducerIdResult> {
    if (transactionalId === null) return { errorCode: ErrorCode.NONE, producerId: await this.producerIds.generateProducerId(), producerEpoch: 0 };
    if (transactionalId === "") return refused(ErrorCode.INVALID_REQUEST);
    if (!this.ownsTransactionalId(transactionalId)) return refused(ErrorCode.NOT_COORDINATOR);
    if (txnTimeoutMs <= 0 || txnTimeoutMs > this.config.transactionMaxTimeoutMs) return refused(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    return this.changes.run(() => this.initTransactionalId(transactionalId, txnTimeoutMs, expected));
  }

  private async initTransactionalId(transactionalId: string, txnTimeoutMs: number, expected: ProducerIdAndEpoch | null): Promise<InitProducerIdResult> {
    let txn = await this.current(transactionalId);
    if (!txn) {
      txn = {
        transactionalId,
        producerId: await this.producerIds.generateProducerId(),
        producerEpoch: -1,
        lastProducerEpoch: -1,
        txnTimeoutMs,
        state: "Empty",
        partitions: new Set(),
        txnStartTimestamp: -1n,
        txnLastUpdateTimestamp: BigInt(this.now()),
      };
      this.transactions.set(transactionalId, txn);
    } else if (expected && txn.producerEpoch >= 0 && (expected.producerId !== txn.producerId || expected.producerEpoch !== txn.producerEpoch)) {
      // The epoch just before the last bump: a retry whose answer was lost gets the current epoch again.
      const retried = expected.producerId === txn.producerId && expected.producerEpoch === txn.lastProducerEpoch && txn.state === "Empty";
      return retried ? { errorCode: ErrorCode.NONE, producerId: txn.producerId, producerEpoch: txn.producerEpoch } : refused(ErrorCode.PRODUCER_FENCED);
    }
    if (txn.state === "Ongoing") {
      // Until the old instance's transaction is aborted the new one is told to retry, as Kafka does; the retry completes the abort.
      const aborted = await this.fenceAndAbort(txn).then(
        () => true,
        () => false,
      );
      if (!aborted) return refused(ErrorCode.CONCURRENT_TRANSACTIONS);
    }
    await this.bumpEpoch(txn);
    txn.txnTimeoutMs = txnTimeoutMs;
    await this.transition(txn, "Empty");
    return { errorCode: ErrorCode.NONE, producerId: txn.producerId, producerEpoch: txn.producerEpoch };
  }

  /** AddPartitionsToTxn (and AddOffsetsToTxn, with the group's offsets partition): one error for all of them. */
  addPartitionsToTxn(transactionalId: string, producerId: bigint, producerEpoch: number, partitions: TopicPartition[]): Promise<number> {
    if (!this.ownsTransactionalId(transactionalId)) return Promise.resolve(ErrorCode.NOT_COORDINATOR);
    return this.changes.run(() => this.addPartitions(transactionalId, producerId, producerEpoch, partitions));
  }

  private async addPartitions(transactionalId: string, producerId: bigint, producerEpoch: number, partitions: TopicPartition[]): Promise<number> {
    const t = await this.current(transactionalId);
    const error = this.validateProducer(t, producerId, producerEpoch);
    if (error !== ErrorCode.NONE || !t) return error;
    if (t.state === "PrepareCommit" || t.state === "PrepareAbort" || t.state === "PrepareEpochFence") return ErrorCode.CONCURRENT_TRANSACTIONS;
    const keys = partitions.map((p) => partitionKey(p.topic, p.partition));
    if (t.state === "Ongoing" && keys.every((k) => t.partitions.has(k))) return ErrorCode.NONE;
    if (t.state !== "Ongoing") t.txnStartTimestamp = BigInt(this.now());
    for (const k of keys) t.partitions.add(k);
    await this.transition(t, "Ongoing");
    return ErrorCode.NONE;
  }

  /**
   * Whether the partition is in the producer's open transaction (Produce, TxnOffsetCommit,
   * AddPartitionsToTxn v4+ with verify_only), on any broker. If not as far as this broker knows,
   * it reads what the transaction's coordinator appended since and checks again: the partition
   * may have been added there a moment ago.
   */
  async verifyTransaction(transactionalId: string | null, producerId: bigint, producerEpoch: number, partition: TopicPartition): Promise<number> {
    const error = this.checkTransaction(transactionalId, producerId, producerEpoch, partition);
    if (error === ErrorCode.NONE) return error;
    if (transactionalId === null) return error;
    await this.changes.run(() => this.stateManager.load(this.transactions, transactionalId));
    return this.checkTransaction(transactionalId, producerId, producerEpoch, partition);
  }

  private checkTransaction(transactionalId: string | null, producerId: bigint, producerEpoch: number, partition: TopicPartition): number {
    const txn = transactionalId === null ? undefined : this.transactions.get(transactionalId);
    const error = this.validateProducer(txn, producerId, producerEpoch);
    if (error !== ErrorCode.NONE || !txn) return error;
    return txn.state === "Ongoing" && txn.partitions.has(partitionKey(partition.topic, partition.partition)) ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE;
  }

  /** EndTxn. A retry of the EndTxn that completed the transaction is answered NONE again. */
  endTxn(transactionalId: string, producerId: bigint, producerEpoch: number, commit: boolean): Promise<number> {
    if (!this.ownsTransactionalId(transactionalId)) return Promise.resolve(ErrorCode.NOT_COORDINATOR);
    return this.changes.run(() => this.endTransaction(transactionalId, producerId, producerEpoch, commit));
  }

  private async endTransaction(transactionalId: string, producerId: bigint, producerEpoch: number, commit: boolean): Promise<number> {
    const t = await this.current(transactionalId);
    const error = this.validateProducer(t, producerId, producerEpoch);
    if (error !== ErrorCode.NONE || !t) return error;
    switch (t.state) {
      case "Ongoing":
        await this.transition(t, commit ? "PrepareCommit" : "PrepareAbort");
        // Prepared is decided (Kafka answers then, and writes the markers after): markers that cannot
        // be written now are written by the next request for the id or the next timeout check.
        await this.writeMarkersAndComplete(t).catch(() => undefined);
        return ErrorCode.NONE;
      case "CompleteCommit":
        return commit ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE;
      case "CompleteAbort":
        return commit ? ErrorCode.INVALID_TXN_STATE : ErrorCode.NONE;
      case "PrepareCommit":
        return commit ? ErrorCode.CONCURRENT_TRANSACTIONS : ErrorCode.INVALID_TXN_STATE;
      case "PrepareAbort":
        return commit ? ErrorCode.INVALID_TXN_STATE : ErrorCode.CONCURRENT_TRANSACTIONS;
      default:
        return ErrorCode.INVALID_TXN_STATE;
    }
  }

  transaction(transactionalId: string): Readonly<TransactionMetadata> | undefined {
    return this.transactions.get(transactionalId);
  }

  allTransactions(): Iterable<Readonly<TransactionMetadata>> {
    return this.transactions.values();
  }

  close(): void {
    clearInterval(this.timer);
  }

  /**
   * Kafka's abortTimedOutTransactions, for the transactional ids this broker coordinates: the
   * producer is fenced (epoch bumped) and its transaction aborted.
   */
  abortTimedOutTransactions(): Promise<void> {
    return this.changes.run(async () => {
      const now = BigInt(this.now());
      for (const txn of this.transactions.values()) {
        if (!this.ownsTransactionalId(txn.transactionalId)) continue;
        if (txn.state === "Ongoing" && txn.txnStartTimestamp + BigInt(txn.txnTimeoutMs) <= now) await this.fenceAndAbort(txn);
      }
    });
  }

  /** The prepared transactions of the ids this broker coordinates: left by a coordinator that stopped before completing them. */
  private completePreparedTransactions(): Promise<void> {
    return this.changes.run(async () => {
      for (const txn of this.transactions.values()) {
        if (isPrepared(txn) && this.ownsTransactionalId(txn.transactionalId)) await this.writeMarkersAndComplete(txn);
      }
    });
  }

  /**
   * The transactional id as its last record says, read through to the storage (its previous
   * coordinator may have written it a moment ago), with a transaction left prepared completed.
   */
  private async current(transactionalId: string): Promise<TransactionMetadata | undefined> {
    await this.stateManager.load(this.transactions, transactionalId);
    const txn = this.transactions.get(transactionalId);
    if (txn && isPrepared(txn)) await this.writeMarkersAndComplete(txn);
    return txn;
  }

  /**
   * Unknown transactional.id or another producer id: INVALID_PRODUCER_ID_MAPPING; another epoch:
   * PRODUCER_FENCED (handlers of versions that predate it answer INVALID_PRODUCER_EPOCH).
   */
  private validateProducer(txn: TransactionMetadata | undefined, producerId: bigint, producerEpoch: number): number {
    if (!txn || txn.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (txn.producerEpoch !== producerEpoch) return ErrorCode.PRODUCER_FENCED;
    return ErrorCode.NONE;
  }

  /** PrepareEpochFence: the epoch is bumped so the old producer can write nothing more, then its transaction is aborted. */
  private async fenceAndAbort(txn: TransactionMetadata): Promise<void> {
    txn.state = "PrepareEpochFence";
    await this.bumpEpoch(txn);
    await this.transition(txn, "PrepareAbort");
    await this.writeMarkersAndComplete(txn);
  }

  private async bumpEpoch(txn: TransactionMetadata): Promise<void> {
    txn.lastProducerEpoch = txn.producerEpoch;
    if (txn.producerEpoch < MAX_PRODUCER_EPOCH) {
      txn.producerEpoch++;
    } else {
      txn.producerId = await this.producerIds.generateProducerId();
      txn.producerEpoch = 0;
      txn.lastProducerEpoch = -1;
    }
  }

  private async writeMarkersAndComplete(txn: TransactionMetadata): Promise<void> {
    const commit = txn.state === "PrepareCommit";
    const marker = { producerId: txn.producerId, producerEpoch: txn.producerEpoch, commit, coordinatorEpoch: COORDINATOR_EPOCH };
    await Promise.all(topicPartitions(txn).map(({ topic, partition }) => this.markers.writeTxnMarker(topic, partition, marker)));
    txn.partitions.clear();
    await this.transition(txn, commit ? "CompleteCommit" : "CompleteAbort");
  }

  /** The new state is in the transaction log before anyone is told. */
  private async transition(txn: TransactionMetadata, state: TransactionStateName): Promise<void> {
    txn.state = state;
    txn.txnLastUpdateTimestamp = BigInt(this.now());
    if (state === "Empty") txn.txnStartTimestamp = -1n;
    await this.stateManager.append(txn);
  }
}

/** Every change runs to its completion in the queue, so a prepared state between changes was left by a coordinator that stopped. */
function isPrepared(txn: TransactionMetadata): boolean {
  return txn.state === "PrepareCommit" || txn.state === "PrepareAbort";
}
