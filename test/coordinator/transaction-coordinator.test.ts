// The TransactionCoordinator when a marker cannot be written: EndTxn answers once the transaction is
// prepared (it is decided), the transaction stays prepared in __transaction_state and in memory, and
// the producer's next request for the id writes the markers and completes it; a new instance whose
// predecessor's transaction cannot be aborted yet is told to retry (CONCURRENT_TRANSACTIONS).
import { expect, it } from "vitest";
import { TransactionCoordinator } from "../../src/coordinator/transaction-coordinator.ts";
import { TransactionStateManager } from "../../src/coordinator/transaction-state-manager.ts";
import { ErrorCode } from "../../src/protocol/generated/error-codes.ts";
import type { EndTransactionMarker } from "../../src/storage/end-transaction-marker.ts";
import { MemoryEngine } from "../../src/storage/memory-engine.ts";
import { codec } from "../storage/support.ts";

/** A coordinator over memory storage whose first `failures` markers cannot be written; `written` collects the others. */
async function coordinatorWithFailingMarkers(failures: number) {
  const storage = new MemoryEngine(codec);
  const written: EndTransactionMarker[] = [];
  const markers = {
    async writeTxnMarker(_topic: string, _partition: number, marker: EndTransactionMarker) {
      if (failures-- > 0) throw new Error("the marker lost every race for the partition's end");
      written.push(marker);
    },
  };
  let nextProducerId = 7n;
  const config = { transactionMaxTimeoutMs: 900_000, transactionAbortTimedOutTransactionCleanupIntervalMs: 60_000 };
  const coordinator = new TransactionCoordinator(config, { generateProducerId: async () => nextProducerId++ }, new TransactionStateManager(storage, codec, 1), markers);
  await coordinator.load();
  const close = async () => {
    coordinator.close();
    await storage.close();
  };
  return { storage, coordinator, written, close };
}

it("keeps a transaction whose marker failed prepared, and completes it at the next request for the id", async () => {
  const { storage, coordinator, written, close } = await coordinatorWithFailingMarkers(1);
  try {
    const p = await coordinator.initProducerId("t", 60_000, null);
    expect(await coordinator.addPartitionsToTxn("t", p.producerId, p.producerEpoch, [{ topic: "out", partition: 0 }])).toBe(ErrorCode.NONE);
    expect(await coordinator.endTxn("t", p.producerId, p.producerEpoch, true)).toBe(ErrorCode.NONE);
    expect(written).toEqual([]);
    expect(coordinator.transaction("t")).toMatchObject({ state: "PrepareCommit" });
    // What the log says too: a broker reading it now (one taking the id over) finds it prepared.
    const logged = new Map();
    await new TransactionStateManager(storage, codec, 1).load(logged);
    expect(logged.get("t")).toMatchObject({ state: "PrepareCommit" });

    expect(await coordinator.endTxn("t", p.producerId, p.producerEpoch, true)).toBe(ErrorCode.NONE);
    expect(written).toEqual([{ producerId: p.producerId, producerEpoch: p.producerEpoch, commit: true, coordinatorEpoch: 0 }]);
    expect(coordinator.transaction("t")).toMatchObject({ state: "CompleteCommit" });
  } finally {
    await close();
  }
});

it("tells a new instance to retry while the old one's transaction cannot be aborted yet, and fences it once it is", async () => {
  const { coordinator, written, close } = await coordinatorWithFailingMarkers(1);
  try {
    const old = await coordinator.initProducerId("t", 60_000, null);
    expect(await coordinator.addPartitionsToTxn("t", old.producerId, old.producerEpoch, [{ topic: "out", partition: 0 }])).toBe(ErrorCode.NONE);
    expect((await coordinator.initProducerId("t", 60_000, null)).errorCode).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
    const next = await coordinator.initProducerId("t", 60_000, null);
    expect(next).toMatchObject({ errorCode: ErrorCode.NONE, producerId: old.producerId, producerEpoch: old.producerEpoch + 2 });
    expect(written).toEqual([{ producerId: old.producerId, producerEpoch: old.producerEpoch + 1, commit: false, coordinatorEpoch: 0 }]);
    expect(await coordinator.endTxn("t", old.producerId, old.producerEpoch, true)).toBe(ErrorCode.PRODUCER_FENCED);
  } finally {
    await close();
  }
});
