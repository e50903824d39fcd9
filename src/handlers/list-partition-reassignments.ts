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
import { AclOperation } from "../security/acl.ts";
import { mayOnCluster } from "./resource-access.ts";

/** With one broker no reassignment is ever in progress (AlterPartitionReassignments only accepts no-ops). */
export const listPartitionReassignments = defineApi(
  "ListPartitionReassignments",
  LIST_PARTITION_REASSIGNMENTS_REQUEST,
  [0, 0],
  decodeListPartitionReassignmentsRequest,
  encodeListPartitionReassignmentsResponse,
  (ctx): ListPartitionReassignmentsResponse => ({
    throttleTimeMs: 0,
    errorCode: mayOnCluster(ctx, AclOperation.DESCRIBE) ? ErrorCode.NONE : ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
    errorMessage: null,
    topics: [],
  }),
);
