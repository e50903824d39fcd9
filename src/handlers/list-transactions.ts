import { defineApi } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { LIST_TRANSACTIONS_REQUEST, decodeListTransactionsRequest } from "../protocol/generated/list-transactions-request.ts";
import { type ListTransactionsResponse, encodeListTransactionsResponse } from "../protocol/generated/list-transactions-response.ts";
import { isTransactionStateName } from "../coordinator/transaction-metadata.ts";
import { AclOperation, ResourceType } from "../security/acl.ts";

/**
 * Every transactional.id this broker coordinates (an admin client asks each broker), filtered by state names, producer ids and (v1) by having run at least
 * duration_filter ms; filter states Kafka does not know are echoed back as unknown.
 */
export const listTransactions = defineApi(
  "ListTransactions",
  LIST_TRANSACTIONS_REQUEST,
  [0, 1],
  decodeListTransactionsRequest,
  encodeListTransactionsResponse,
  (ctx, req): ListTransactionsResponse => {
    const states = new Set(req.stateFilters.filter(isTransactionStateName));
    const producerIds = new Set(req.producerIdFilters);
    const minDuration = req.durationFilter ?? -1n;
    const now = BigInt(Date.now());
    const transactionStates = [...ctx.broker.transactionCoordinator.allTransactions()]
      .filter((t) => t.state !== "Dead" && ctx.broker.transactionCoordinator.ownsTransactionalId(t.transactionalId))
      .filter((t) => ctx.authorize(AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, t.transactionalId))
      .filter((t) => req.stateFilters.length === 0 || states.has(t.state))
      .filter((t) => producerIds.size === 0 || producerIds.has(t.producerId))
      .filter((t) => minDuration < 0n || (t.txnStartTimestamp >= 0n && now - t.txnStartTimestamp >= minDuration))
      .map((t) => ({ transactionalId: t.transactionalId, producerId: t.producerId, transactionState: t.state }));
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      unknownStateFilters: req.stateFilters.filter((s) => !isTransactionStateName(s)),
      transactionStates,
    };
  },
);
