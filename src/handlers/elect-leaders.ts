import { defineApi } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { ELECT_LEADERS_REQUEST, decodeElectLeadersRequest } from "../protocol/generated/elect-leaders-request.ts";
import { type ElectLeadersResponse, encodeElectLeadersResponse } from "../protocol/generated/elect-leaders-response.ts";
import { AclOperation } from "../security/acl.ts";
import { mayOnCluster } from "./resource-access.ts";

/** ElectionType: 0 = preferred replica, 1 = unclean. */
const UNCLEAN = 1;

/**
 * Every partition has one replica, which leads it: no election is ever needed. Named partitions
 * get ELECTION_NOT_NEEDED (or UNKNOWN_TOPIC_OR_PARTITION); a request for all partitions (null)
 * lists none, as Kafka leaves out partitions that need no election.
 */
export const electLeaders = defineApi(
  "ElectLeaders",
  ELECT_LEADERS_REQUEST,
  [0, 2],
  decodeElectLeadersRequest,
  encodeElectLeadersResponse,
  (ctx, req): ElectLeadersResponse => {
    const electionType = req.electionType ?? 0;
    if (!mayOnCluster(ctx, AclOperation.ALTER)) return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, replicaElectionResults: [] };
    if (electionType !== 0 && electionType !== UNCLEAN) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REQUEST, replicaElectionResults: [] };
    }
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      replicaElectionResults: (req.topicPartitions ?? []).map((t) => ({
        topic: t.topic,
        partitionResult: t.partitions.map((partitionId) =>
          ctx.broker.metadata.topicByName(t.topic)?.partitions.has(partitionId)
            ? { partitionId, errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: "Leader election not needed for topic partition." }
            : { partitionId, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: "The partition does not exist." },
        ),
      })),
    };
  },
);
