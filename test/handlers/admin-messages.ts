// Request/response pairs of the admin APIs for RawClient, from the generated codecs.
import { apiPair } from "../support/api-pair.ts";
import * as deleteGroupsReq from "../../src/protocol/generated/delete-groups-request.ts";
import * as deleteGroupsRes from "../../src/protocol/generated/delete-groups-response.ts";
import * as offsetDeleteReq from "../../src/protocol/generated/offset-delete-request.ts";
import * as offsetDeleteRes from "../../src/protocol/generated/offset-delete-response.ts";
import * as describeClusterReq from "../../src/protocol/generated/describe-cluster-request.ts";
import * as describeClusterRes from "../../src/protocol/generated/describe-cluster-response.ts";
import * as describeLogDirsReq from "../../src/protocol/generated/describe-log-dirs-request.ts";
import * as describeLogDirsRes from "../../src/protocol/generated/describe-log-dirs-response.ts";
import * as electLeadersReq from "../../src/protocol/generated/elect-leaders-request.ts";
import * as electLeadersRes from "../../src/protocol/generated/elect-leaders-response.ts";
import * as listReassignmentsReq from "../../src/protocol/generated/list-partition-reassignments-request.ts";
import * as listReassignmentsRes from "../../src/protocol/generated/list-partition-reassignments-response.ts";
import * as alterReassignmentsReq from "../../src/protocol/generated/alter-partition-reassignments-request.ts";
import * as alterReassignmentsRes from "../../src/protocol/generated/alter-partition-reassignments-response.ts";
import * as describeQuotasReq from "../../src/protocol/generated/describe-client-quotas-request.ts";
import * as describeQuotasRes from "../../src/protocol/generated/describe-client-quotas-response.ts";
import * as alterQuotasReq from "../../src/protocol/generated/alter-client-quotas-request.ts";
import * as alterQuotasRes from "../../src/protocol/generated/alter-client-quotas-response.ts";
import * as alterLogDirsReq from "../../src/protocol/generated/alter-replica-log-dirs-request.ts";
import * as alterLogDirsRes from "../../src/protocol/generated/alter-replica-log-dirs-response.ts";

export const DeleteGroups = apiPair(deleteGroupsReq.DELETE_GROUPS_REQUEST, deleteGroupsReq.encodeDeleteGroupsRequest, deleteGroupsRes.decodeDeleteGroupsResponse);
export const OffsetDelete = apiPair(offsetDeleteReq.OFFSET_DELETE_REQUEST, offsetDeleteReq.encodeOffsetDeleteRequest, offsetDeleteRes.decodeOffsetDeleteResponse);
export const DescribeCluster = apiPair(
  describeClusterReq.DESCRIBE_CLUSTER_REQUEST,
  describeClusterReq.encodeDescribeClusterRequest,
  describeClusterRes.decodeDescribeClusterResponse,
);
export const DescribeLogDirs = apiPair(
  describeLogDirsReq.DESCRIBE_LOG_DIRS_REQUEST,
  describeLogDirsReq.encodeDescribeLogDirsRequest,
  describeLogDirsRes.decodeDescribeLogDirsResponse,
);
export const ElectLeaders = apiPair(electLeadersReq.ELECT_LEADERS_REQUEST, electLeadersReq.encodeElectLeadersRequest, electLeadersRes.decodeElectLeadersResponse);
export const ListPartitionReassignments = apiPair(
  listReassignmentsReq.LIST_PARTITION_REASSIGNMENTS_REQUEST,
  listReassignmentsReq.encodeListPartitionReassignmentsRequest,
  listReassignmentsRes.decodeListPartitionReassignmentsResponse,
);
export const AlterPartitionReassignments = apiPair(
  alterReassignmentsReq.ALTER_PARTITION_REASSIGNMENTS_REQUEST,
  alterReassignmentsReq.encodeAlterPartitionReassignmentsRequest,
  alterReassignmentsRes.decodeAlterPartitionReassignmentsResponse,
);
export const DescribeClientQuotas = apiPair(
  describeQuotasReq.DESCRIBE_CLIENT_QUOTAS_REQUEST,
  describeQuotasReq.encodeDescribeClientQuotasRequest,
  describeQuotasRes.decodeDescribeClientQuotasResponse,
);
export const AlterClientQuotas = apiPair(
  alterQuotasReq.ALTER_CLIENT_QUOTAS_REQUEST,
  alterQuotasReq.encodeAlterClientQuotasRequest,
  alterQuotasRes.decodeAlterClientQuotasResponse,
);
export const AlterReplicaLogDirs = apiPair(
  alterLogDirsReq.ALTER_REPLICA_LOG_DIRS_REQUEST,
  alterLogDirsReq.encodeAlterReplicaLogDirsRequest,
  alterLogDirsRes.decodeAlterReplicaLogDirsResponse,
);
