// The TransactionCoordinator when a marker cannot be written: the transaction stays prepared in
// __transaction_state and in memory, and the producer's retry writes the markers and completes it.
import { expect, it } from "vitest";
import { TransactionCoordinator } from "../../src/coordinator/transaction-coordinator.ts";
import { TransactionStateManager } from "../../src/coordinator/transaction-state-manager.ts";
import { ErrorCode } from "../../src/protocol/generated/error-codes.ts";
import type { EndTransactionMarker } from "../../src/storage/end-transaction-marker.ts";
import { MemoryEngine } from "../../src/storage/memory-engine.ts";
import { codec } from "../storage/support.ts";

it("keeps a transaction whose marker failed prepared, and completes it when EndTxn is retried", async () => {
  const storage = new MemoryEngine(codec);
  const written: EndTransactionMarker[] = [];
  let failures = 1;
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
  try {
    const p = await coordinator.initProducerId("t", 60_000, null);
    expect(await coordinator.addPartitionsToTxn("t", p.producerId, p.producerEpoch, [{ topic: "out", partition: 0 }])).toBe(ErrorCode.NONE);
    await expect(coordinator.endTxn("t", p.producerId, p.producerEpoch, true)).rejects.toThrow(/lost every race/);
    expect(coordinator.transaction("t")).toMatchObject({ state: "PrepareCommit" });
    // What the log says too: a broker reading it now (one taking the id over) finds it prepared.
    const logged = new Map();
    await new TransactionStateManager(storage, codec, 1).load(logged);
    expect(logged.get("t")).toMatchObject({ state: "PrepareCommit" });

    expect(await coordinator.endTxn("t", p.producerId, p.producerEpoch, true)).toBe(ErrorCode.NONE);
    expect(written).toEqual([{ producerId: p.producerId, producerEpoch: p.producerEpoch, commit: true, coordinatorEpoch: 0 }]);
    expect(coordinator.transaction("t")).toMatchObject({ state: "CompleteCommit" });
  } finally {
    coordinator.close();
    await storage.close();
  }
});
