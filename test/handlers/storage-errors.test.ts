// A failed storage operation is KAFKA_STORAGE_ERROR for the partition, reported once; one refused
// because the broker is shutting down is answered the same way and not reported.
import { expect, it } from "vitest";
import { storageErrorCode } from "../../src/handlers/storage-errors.ts";
import type { RequestContext } from "../../src/handlers/api.ts";
import type { Logger } from "../../src/logger.ts";
import { ErrorCode } from "../../src/protocol/generated/error-codes.ts";
import { KafkaStorageException, STORAGE_CLOSED } from "../../src/storage/storage-error.ts";

it("answers KAFKA_STORAGE_ERROR, reports a failure once, and a refusal at shutdown never", () => {
  const errors: string[] = [];
  const log: Logger = { info: () => {}, debug: () => {}, warn: () => {}, error: (m) => errors.push(m) };
  const ctx = { broker: { log } } as unknown as Pick<RequestContext, "broker">;
  const full = new KafkaStorageException("/data/t-0/00000000000000000000.log", "ENOSPC", "write");
  expect(storageErrorCode(ctx, full)).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
  expect(storageErrorCode(ctx, full)).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
  expect(storageErrorCode(ctx, new KafkaStorageException("postgres://db/kafka", STORAGE_CLOSED, "query"))).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
  expect(errors).toEqual(["write of /data/t-0/00000000000000000000.log failed: ENOSPC"]);
  expect(() => storageErrorCode(ctx, new Error("a bug"))).toThrow("a bug");
});
