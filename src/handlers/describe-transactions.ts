import { defineApi } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { DESCRIBE_TRANSACTIONS_REQUEST, decodeDescribeTransactionsRequest } from "../protocol/generated/describe-transactions-request.ts";
import { type DescribeTransactionsResponse, encodeDescribeTransactionsResponse } from "../protocol/generated/describe-transactions-response.ts";
import { partitionsByTopic } from "../coordinator/transaction-metadata.ts";
import { AclOperation, ResourceType } from "../security/acl.ts";

/** What `kafka-transactions.sh describe` shows: the state, producer and partitions of each transactional.id this broker coordinates. */
export const describeTransactions = defineApi(
  "DescribeTransactions",
  DESCRIBE_TRANSACTIONS_REQUEST,
  [0, 0],
  decodeDescribeTransactionsRequest,
  encodeDescribeTransactionsResponse,
  (ctx, req): DescribeTransactionsResponse => ({
    throttleTimeMs: 0,
    transactionStates: req.transactionalIds.map((transactionalId) => {
      const { transactionCoordinator } = ctx.broker;
      const refusal = !ctx.authorize(AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, transactionalId)
        ? ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED
        : !transactionCoordinator.ownsTransactionalId(transactionalId)
          ? ErrorCode.NOT_COORDINATOR
          : undefined;
      const txn = refusal === undefined ? transactionCoordinator.transaction(transactionalId) : undefined;
      if (!txn) return { errorCode: refusal ?? ErrorCode.TRANSACTIONAL_ID_NOT_FOUND, transactionalId, transactionState: "", transactionTimeoutMs: 0, transactionStartTimeMs: -1n, producerId: -1n, producerEpoch: -1, topics: [] };
      return {
        errorCode: ErrorCode.NONE,
        transactionalId,
        transactionState: txn.state,
        transactionTimeoutMs: txn.txnTimeoutMs,
        transactionStartTimeMs: txn.txnStartTimestamp,
        producerId: txn.producerId,
        producerEpoch: txn.producerEpoch,
        topics: partitionsByTopic(txn),
      };
    }),
  }),
);
