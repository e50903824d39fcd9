import { defineApi } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import {
  LIST_PARTITION_REASSIGNMENTS_REQUEST,
  decodeListPartitionReassignmentsRequest,
} from "../protocol/generated/list-partition-reassignments-request.ts";
import {
  type ListPartitionReassignmentsResponse,
  encodeListPartitionReassignmentsResponse,
} from "../protocol/generated/list-partition-reassignments-response.ts";

/** With one broker no reassignment is ever in progress (AlterPartitionReassignments only accepts no-ops). */
export const listPartitionReassignments = defineApi(
  "ListPartitionReassignments",
  LIST_PARTITION_REASSIGNMENTS_REQUEST,
  [0, 0],
  decodeListPartitionReassignmentsRequest,
  encodeListPartitionReassignmentsResponse,
  (): ListPartitionReassignmentsResponse => ({ throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, topics: [] }),
);
