// Request/response pairs for RawClient, straight from the generated codecs.
import * as apiVersionsReq from "../../src/protocol/generated/api-versions-request.ts";
import * as describeConfigsReq from "../../src/protocol/generated/describe-configs-request.ts";
import * as describeConfigsRes from "../../src/protocol/generated/describe-configs-response.ts";
import * as deleteRecordsReq from "../../src/protocol/generated/delete-records-request.ts";
import * as deleteRecordsRes from "../../src/protocol/generated/delete-records-response.ts";
import * as apiVersionsRes from "../../src/protocol/generated/api-versions-response.ts";
import * as metadataReq from "../../src/protocol/generated/metadata-request.ts";
import * as metadataRes from "../../src/protocol/generated/metadata-response.ts";
import * as produceReq from "../../src/protocol/generated/produce-request.ts";
import * as produceRes from "../../src/protocol/generated/produce-response.ts";
import * as fetchReq from "../../src/protocol/generated/fetch-request.ts";
import * as fetchRes from "../../src/protocol/generated/fetch-response.ts";
import * as createTopicsReq from "../../src/protocol/generated/create-topics-request.ts";
import * as createTopicsRes from "../../src/protocol/generated/create-topics-response.ts";
import * as deleteTopicsReq from "../../src/protocol/generated/delete-topics-request.ts";
import * as deleteTopicsRes from "../../src/protocol/generated/delete-topics-response.ts";
import * as listOffsetsReq from "../../src/protocol/generated/list-offsets-request.ts";
import * as listOffsetsRes from "../../src/protocol/generated/list-offsets-response.ts";
import * as findCoordinatorReq from "../../src/protocol/generated/find-coordinator-request.ts";
import * as findCoordinatorRes from "../../src/protocol/generated/find-coordinator-response.ts";
import * as heartbeatReq from "../../src/protocol/generated/heartbeat-request.ts";
import * as heartbeatRes from "../../src/protocol/generated/heartbeat-response.ts";

export const ApiVersions = {
  request: { ...apiVersionsReq.API_VERSIONS_REQUEST, encode: apiVersionsReq.encodeApiVersionsRequest },
  response: { decode: apiVersionsRes.decodeApiVersionsResponse, headerV0: true },
};
export const Metadata = {
  request: { ...metadataReq.METADATA_REQUEST, encode: metadataReq.encodeMetadataRequest },
  response: { decode: metadataRes.decodeMetadataResponse },
};
export const Produce = {
  request: { ...produceReq.PRODUCE_REQUEST, encode: produceReq.encodeProduceRequest },
  response: { decode: produceRes.decodeProduceResponse },
};
export const Fetch = {
  request: { ...fetchReq.FETCH_REQUEST, encode: fetchReq.encodeFetchRequest },
  response: { decode: fetchRes.decodeFetchResponse },
};
export const CreateTopics = {
  request: { ...createTopicsReq.CREATE_TOPICS_REQUEST, encode: createTopicsReq.encodeCreateTopicsRequest },
  response: { decode: createTopicsRes.decodeCreateTopicsResponse },
};
export const ListOffsets = {
  request: { ...listOffsetsReq.LIST_OFFSETS_REQUEST, encode: listOffsetsReq.encodeListOffsetsRequest },
  response: { decode: listOffsetsRes.decodeListOffsetsResponse },
};

import * as saslHandshakeReq from "../../src/protocol/generated/sasl-handshake-request.ts";
import * as saslHandshakeRes from "../../src/protocol/generated/sasl-handshake-response.ts";
import * as saslAuthenticateReq from "../../src/protocol/generated/sasl-authenticate-request.ts";
import * as saslAuthenticateRes from "../../src/protocol/generated/sasl-authenticate-response.ts";
import * as alterScramReq from "../../src/protocol/generated/alter-user-scram-credentials-request.ts";
import * as alterScramRes from "../../src/protocol/generated/alter-user-scram-credentials-response.ts";
import * as describeScramReq from "../../src/protocol/generated/describe-user-scram-credentials-request.ts";
import * as describeScramRes from "../../src/protocol/generated/describe-user-scram-credentials-response.ts";
import * as describeAclsReq from "../../src/protocol/generated/describe-acls-request.ts";
import * as describeAclsRes from "../../src/protocol/generated/describe-acls-response.ts";
import * as deleteAclsReq from "../../src/protocol/generated/delete-acls-request.ts";
import * as deleteAclsRes from "../../src/protocol/generated/delete-acls-response.ts";

export const FindCoordinator = {
  request: { ...findCoordinatorReq.FIND_COORDINATOR_REQUEST, encode: findCoordinatorReq.encodeFindCoordinatorRequest },
  response: { decode: findCoordinatorRes.decodeFindCoordinatorResponse },
};
export const Heartbeat = {
  request: { ...heartbeatReq.HEARTBEAT_REQUEST, encode: heartbeatReq.encodeHeartbeatRequest },
  response: { decode: heartbeatRes.decodeHeartbeatResponse },
};
export const SaslHandshake = {
  request: { ...saslHandshakeReq.SASL_HANDSHAKE_REQUEST, encode: saslHandshakeReq.encodeSaslHandshakeRequest },
  response: { decode: saslHandshakeRes.decodeSaslHandshakeResponse },
};
export const SaslAuthenticate = {
  request: { ...saslAuthenticateReq.SASL_AUTHENTICATE_REQUEST, encode: saslAuthenticateReq.encodeSaslAuthenticateRequest },
  response: { decode: saslAuthenticateRes.decodeSaslAuthenticateResponse },
};
export const AlterUserScramCredentials = {
  request: { ...alterScramReq.ALTER_USER_SCRAM_CREDENTIALS_REQUEST, encode: alterScramReq.encodeAlterUserScramCredentialsRequest },
  response: { decode: alterScramRes.decodeAlterUserScramCredentialsResponse },
};
export const DescribeUserScramCredentials = {
  request: { ...describeScramReq.DESCRIBE_USER_SCRAM_CREDENTIALS_REQUEST, encode: describeScramReq.encodeDescribeUserScramCredentialsRequest },
  response: { decode: describeScramRes.decodeDescribeUserScramCredentialsResponse },
};
export const DescribeAcls = {
  request: { ...describeAclsReq.DESCRIBE_ACLS_REQUEST, encode: describeAclsReq.encodeDescribeAclsRequest },
  response: { decode: describeAclsRes.decodeDescribeAclsResponse },
};
export const DeleteAcls = {
  request: { ...deleteAclsReq.DELETE_ACLS_REQUEST, encode: deleteAclsReq.encodeDeleteAclsRequest },
  response: { decode: deleteAclsRes.decodeDeleteAclsResponse },
};
export const DeleteTopics = {
  request: { ...deleteTopicsReq.DELETE_TOPICS_REQUEST, encode: deleteTopicsReq.encodeDeleteTopicsRequest },
  response: { decode: deleteTopicsRes.decodeDeleteTopicsResponse },
};
export const DescribeConfigs = {
  request: { ...describeConfigsReq.DESCRIBE_CONFIGS_REQUEST, encode: describeConfigsReq.encodeDescribeConfigsRequest },
  response: { decode: describeConfigsRes.decodeDescribeConfigsResponse },
};
export const DeleteRecords = {
  request: { ...deleteRecordsReq.DELETE_RECORDS_REQUEST, encode: deleteRecordsReq.encodeDeleteRecordsRequest },
  response: { decode: deleteRecordsRes.decodeDeleteRecordsResponse },
};
