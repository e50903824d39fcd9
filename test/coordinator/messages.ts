// Request/response pairs of the group and producer-id APIs for RawClient, from the generated codecs.
import * as joinGroupReq from "../../src/protocol/generated/join-group-request.ts";
import * as joinGroupRes from "../../src/protocol/generated/join-group-response.ts";
import * as syncGroupReq from "../../src/protocol/generated/sync-group-request.ts";
import * as syncGroupRes from "../../src/protocol/generated/sync-group-response.ts";
import * as leaveGroupReq from "../../src/protocol/generated/leave-group-request.ts";
import * as leaveGroupRes from "../../src/protocol/generated/leave-group-response.ts";
import * as offsetCommitReq from "../../src/protocol/generated/offset-commit-request.ts";
import * as offsetCommitRes from "../../src/protocol/generated/offset-commit-response.ts";
import * as offsetFetchReq from "../../src/protocol/generated/offset-fetch-request.ts";
import * as offsetFetchRes from "../../src/protocol/generated/offset-fetch-response.ts";
import * as listGroupsReq from "../../src/protocol/generated/list-groups-request.ts";
import * as listGroupsRes from "../../src/protocol/generated/list-groups-response.ts";
import * as describeGroupsReq from "../../src/protocol/generated/describe-groups-request.ts";
import * as describeGroupsRes from "../../src/protocol/generated/describe-groups-response.ts";
import * as initProducerIdReq from "../../src/protocol/generated/init-producer-id-request.ts";
import * as initProducerIdRes from "../../src/protocol/generated/init-producer-id-response.ts";
import * as shareHeartbeatReq from "../../src/protocol/generated/share-group-heartbeat-request.ts";
import * as shareHeartbeatRes from "../../src/protocol/generated/share-group-heartbeat-response.ts";
import * as shareFetchReq from "../../src/protocol/generated/share-fetch-request.ts";
import * as shareFetchRes from "../../src/protocol/generated/share-fetch-response.ts";
import * as shareAckReq from "../../src/protocol/generated/share-acknowledge-request.ts";
import * as shareAckRes from "../../src/protocol/generated/share-acknowledge-response.ts";
import * as shareDescribeReq from "../../src/protocol/generated/share-group-describe-request.ts";
import * as shareDescribeRes from "../../src/protocol/generated/share-group-describe-response.ts";
import * as addOffsetsReq from "../../src/protocol/generated/add-offsets-to-txn-request.ts";
import * as addOffsetsRes from "../../src/protocol/generated/add-offsets-to-txn-response.ts";
import * as addPartitionsReq from "../../src/protocol/generated/add-partitions-to-txn-request.ts";
import * as addPartitionsRes from "../../src/protocol/generated/add-partitions-to-txn-response.ts";
import * as describeTxnReq from "../../src/protocol/generated/describe-transactions-request.ts";
import * as describeTxnRes from "../../src/protocol/generated/describe-transactions-response.ts";
import * as endTxnReq from "../../src/protocol/generated/end-txn-request.ts";
import * as endTxnRes from "../../src/protocol/generated/end-txn-response.ts";
import * as listTxnReq from "../../src/protocol/generated/list-transactions-request.ts";
import * as listTxnRes from "../../src/protocol/generated/list-transactions-response.ts";
import { apiPair } from "../support/api-pair.ts";

// FindCoordinator and Heartbeat are shared with the other suites.
export { FindCoordinator, Heartbeat } from "../support/messages.ts";
export const JoinGroup = {
  request: { ...joinGroupReq.JOIN_GROUP_REQUEST, encode: joinGroupReq.encodeJoinGroupRequest },
  response: { decode: joinGroupRes.decodeJoinGroupResponse },
};
export const SyncGroup = {
  request: { ...syncGroupReq.SYNC_GROUP_REQUEST, encode: syncGroupReq.encodeSyncGroupRequest },
  response: { decode: syncGroupRes.decodeSyncGroupResponse },
};
export const LeaveGroup = {
  request: { ...leaveGroupReq.LEAVE_GROUP_REQUEST, encode: leaveGroupReq.encodeLeaveGroupRequest },
  response: { decode: leaveGroupRes.decodeLeaveGroupResponse },
};
export const OffsetCommit = {
  request: { ...offsetCommitReq.OFFSET_COMMIT_REQUEST, encode: offsetCommitReq.encodeOffsetCommitRequest },
  response: { decode: offsetCommitRes.decodeOffsetCommitResponse },
};
export const OffsetFetch = {
  request: { ...offsetFetchReq.OFFSET_FETCH_REQUEST, encode: offsetFetchReq.encodeOffsetFetchRequest },
  response: { decode: offsetFetchRes.decodeOffsetFetchResponse },
};
export const ListGroups = {
  request: { ...listGroupsReq.LIST_GROUPS_REQUEST, encode: listGroupsReq.encodeListGroupsRequest },
  response: { decode: listGroupsRes.decodeListGroupsResponse },
};
export const DescribeGroups = {
  request: { ...describeGroupsReq.DESCRIBE_GROUPS_REQUEST, encode: describeGroupsReq.encodeDescribeGroupsRequest },
  response: { decode: describeGroupsRes.decodeDescribeGroupsResponse },
};
export const InitProducerId = {
  request: { ...initProducerIdReq.INIT_PRODUCER_ID_REQUEST, encode: initProducerIdReq.encodeInitProducerIdRequest },
  response: { decode: initProducerIdRes.decodeInitProducerIdResponse },
};

// KIP-932 share groups.
export const ShareGroupHeartbeat = apiPair(shareHeartbeatReq.SHARE_GROUP_HEARTBEAT_REQUEST, shareHeartbeatReq.encodeShareGroupHeartbeatRequest, shareHeartbeatRes.decodeShareGroupHeartbeatResponse);
export const ShareFetch = apiPair(shareFetchReq.SHARE_FETCH_REQUEST, shareFetchReq.encodeShareFetchRequest, shareFetchRes.decodeShareFetchResponse);
export const ShareAcknowledge = apiPair(shareAckReq.SHARE_ACKNOWLEDGE_REQUEST, shareAckReq.encodeShareAcknowledgeRequest, shareAckRes.decodeShareAcknowledgeResponse);
export const ShareGroupDescribe = apiPair(shareDescribeReq.SHARE_GROUP_DESCRIBE_REQUEST, shareDescribeReq.encodeShareGroupDescribeRequest, shareDescribeRes.decodeShareGroupDescribeResponse);

// Transactions.
export const AddPartitionsToTxn = apiPair(addPartitionsReq.ADD_PARTITIONS_TO_TXN_REQUEST, addPartitionsReq.encodeAddPartitionsToTxnRequest, addPartitionsRes.decodeAddPartitionsToTxnResponse);
export const AddOffsetsToTxn = apiPair(addOffsetsReq.ADD_OFFSETS_TO_TXN_REQUEST, addOffsetsReq.encodeAddOffsetsToTxnRequest, addOffsetsRes.decodeAddOffsetsToTxnResponse);
export const EndTxn = apiPair(endTxnReq.END_TXN_REQUEST, endTxnReq.encodeEndTxnRequest, endTxnRes.decodeEndTxnResponse);
export const DescribeTransactions = apiPair(describeTxnReq.DESCRIBE_TRANSACTIONS_REQUEST, describeTxnReq.encodeDescribeTransactionsRequest, describeTxnRes.decodeDescribeTransactionsResponse);
export const ListTransactions = apiPair(listTxnReq.LIST_TRANSACTIONS_REQUEST, listTxnReq.encodeListTransactionsRequest, listTxnRes.decodeListTransactionsResponse);
