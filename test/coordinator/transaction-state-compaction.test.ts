// __transaction_state is compacted: after many InitProducerId calls for a few transactional ids the
// LogCleaner leaves about one record per id, and each id's producer id and epoch read back the
// same after a restart.
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadCodec } from "../../src/codec/index.ts";
import { TRANSACTION_STATE_TOPIC_NAME } from "../../src/coordinator/transaction-state-manager.ts";
import { ErrorCode } from "../../src/protocol/generated/error-codes.ts";
import { RawClient } from "../support/raw-client.ts";
import { startTestBroker, type TestBroker } from "../clients/support/broker.ts";
import { InitProducerId } from "./messages.ts";

const IDS = ["tx-a", "tx-b", "tx-c"];
const ROUNDS = 150;
const codec = await loadCodec("js");

let broker: TestBroker;
let client: RawClient;

beforeAll(async () => {
  broker = await startTestBroker({ properties: { "offsets.topic.segment.bytes": "4096" }, logCleanerBackoffMs: 20 });
  client = await RawClient.connect(broker.port);
});
afterAll(async () => {
  client?.close();
  await broker?.dispose();
});

const init = (transactionalId: string) =>
  client.request(InitProducerId.request, InitProducerId.response, 4, { transactionalId, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });

async function stateRecords(): Promise<number> {
  const log = (await broker.running.broker.storage.getLog(TRANSACTION_STATE_TOPIC_NAME, 0))!;
  return [...(log.batches() as Iterable<Uint8Array>)].reduce((n, b) => n + codec.decodeRecordBatch(b).records.length, 0);
}

it("compacts __transaction_state, keeping each transactional id's last state", async () => {
  const last = new Map<string, { producerId: bigint; producerEpoch: number }>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const id of IDS) {
      const r = await init(id);
      expect(r.errorCode).toBe(ErrorCode.NONE);
      last.set(id, { producerId: r.producerId, producerEpoch: r.producerEpoch });
    }
  }
  const written = ROUNDS * IDS.length;
  const deadline = Date.now() + 20_000;
  while ((await stateRecords()) >= written / 4) {
    if (Date.now() > deadline) throw new Error(`the cleaner left ${await stateRecords()} of ${written} records in ${TRANSACTION_STATE_TOPIC_NAME}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  client.close();
  await broker.restart();
  client = await RawClient.connect(broker.port);
  for (const id of IDS) {
    const before = last.get(id)!;
    expect(await init(id)).toMatchObject({ errorCode: ErrorCode.NONE, producerId: before.producerId, producerEpoch: before.producerEpoch + 1 });
  }
});
