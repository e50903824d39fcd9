import { ErrorCode } from "../protocol/generated/error-codes.ts";

/**
 * PRODUCER_FENCED is answered only from the version of each transactional API that added it
 * (KIP-588); older clients get INVALID_PRODUCER_EPOCH for the same thing, as Kafka answers them.
 */
export function fencedForVersion(errorCode: number, version: number, firstVersionWithFenced: number): number {
  return errorCode === ErrorCode.PRODUCER_FENCED && version < firstVersionWithFenced ? ErrorCode.INVALID_PRODUCER_EPOCH : errorCode;
}
