// message.max.bytes bounds one record batch: a larger one is answered MESSAGE_TOO_LARGE and not stored.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBroker, type RunningBroker } from "../../src/index.ts";
import { silentLogger } from "../../src/logger.ts";
import { ErrorCode } from "../../src/protocol/generated/error-codes.ts";
import { RawClient } from "../support/raw-client.ts";
import { createTopicOk, produce, recordBatch } from "../support/requests.ts";

let running: RunningBroker;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "broker-produce-limits-"));
  running = await startBroker({ logDirs: [dir], logger: silentLogger, properties: { "message.max.bytes": "10000" } });
});
afterAll(async () => {
  await running?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("message.max.bytes", () => {
  it("refuses a batch above it with MESSAGE_TOO_LARGE and accepts one below", async () => {
    const client = await RawClient.connect(running.port);
    await createTopicOk(client, "limited");
    const big = await produce(client, "limited", 0, recordBatch([Buffer.alloc(10_000)]));
    expect(big.errorCode).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    const small = await produce(client, "limited", 0, recordBatch([Buffer.alloc(9_000)]));
    expect(small).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 0n });
    client.close();
  });
});
