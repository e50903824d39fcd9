import { defineApi } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { DESCRIBE_CLUSTER_REQUEST, decodeDescribeClusterRequest } from "../protocol/generated/describe-cluster-request.ts";
import { type DescribeClusterResponse, encodeDescribeClusterResponse } from "../protocol/generated/describe-cluster-response.ts";
import { AUTHORIZED_OPERATIONS_OMITTED, authorizedOperationsIf } from "./authorized-operations.ts";
import { AclOperation, CLUSTER_NAME } from "../security/acl.ts";
import { mayOnCluster } from "./resource-access.ts";

/** v1 endpoint types: this listener serves brokers; controllers are asked at their own listener. */
const BROKER_ENDPOINT = 1;
const CONTROLLER_ENDPOINT = 2;

/** The cluster is this one broker, which is also its controller. */
export const describeCluster = defineApi(
  "DescribeCluster",
  DESCRIBE_CLUSTER_REQUEST,
  [0, 1],
  decodeDescribeClusterRequest,
  encodeDescribeClusterResponse,
  (ctx, req): DescribeClusterResponse => {
    const { broker } = ctx;
    const endpointType = req.endpointType ?? BROKER_ENDPOINT;
    const base = { throttleTimeMs: 0, endpointType, clusterId: broker.clusterId, controllerId: -1, brokers: [], clusterAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED };
    if (endpointType === CONTROLLER_ENDPOINT) {
      return { ...base, errorCode: ErrorCode.MISMATCHED_ENDPOINT_TYPE, errorMessage: "The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER" };
    }
    if (endpointType !== BROKER_ENDPOINT) {
      return { ...base, errorCode: ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, errorMessage: `Unknown endpoint type ${endpointType}` };
    }
    if (!mayOnCluster(ctx, AclOperation.DESCRIBE)) return { ...base, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null };
    return {
      ...base,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      controllerId: broker.config.nodeId,
      brokers: broker.liveBrokers(ctx.listener, ctx.localAddress).map(({ nodeId, ...endpoint }) => ({ brokerId: nodeId, ...endpoint })),
      clusterAuthorizedOperations: authorizedOperationsIf(req.includeClusterAuthorizedOperations, ctx, "CLUSTER", CLUSTER_NAME),
    };
  },
);
