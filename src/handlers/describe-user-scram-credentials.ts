import { defineApi } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import {
  DESCRIBE_USER_SCRAM_CREDENTIALS_REQUEST,
  decodeDescribeUserScramCredentialsRequest,
} from "../protocol/generated/describe-user-scram-credentials-request.ts";
import {
  type DescribeUserScramCredentialsResponse,
  type DescribeUserScramCredentialsResult,
  encodeDescribeUserScramCredentialsResponse,
} from "../protocol/generated/describe-user-scram-credentials-response.ts";
import { AclOperation } from "../security/acl.ts";
import { mayOnCluster } from "./resource-access.ts";

/** Which SCRAM mechanisms each user has a credential for, with its iteration count (never a key or salt). */
export const describeUserScramCredentials = defineApi(
  "DescribeUserScramCredentials",
  DESCRIBE_USER_SCRAM_CREDENTIALS_REQUEST,
  [0, 0],
  decodeDescribeUserScramCredentialsRequest,
  encodeDescribeUserScramCredentialsResponse,
  (ctx, req): DescribeUserScramCredentialsResponse => {
    if (!mayOnCluster(ctx, AclOperation.DESCRIBE)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null, results: [] };
    }
    const credentials = ctx.broker.security.credentials;
    const requested = req.users && req.users.length > 0 ? req.users.map((u) => u.name) : credentials.users();
    const results = [...new Set(requested)].map((user): DescribeUserScramCredentialsResult => {
      const infos = credentials.mechanisms(user);
      if (requested.indexOf(user) !== requested.lastIndexOf(user)) {
        return failed(user, ErrorCode.DUPLICATE_RESOURCE, "Cannot describe SCRAM credentials for the same user twice in a single request");
      }
      if (infos.length === 0) return failed(user, ErrorCode.RESOURCE_NOT_FOUND, "Attempt to describe a user credential that does not exist");
      return { user, errorCode: ErrorCode.NONE, errorMessage: null, credentialInfos: infos };
    });
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, results };
  },
);

function failed(user: string, errorCode: number, errorMessage: string): DescribeUserScramCredentialsResult {
  return { user, errorCode, errorMessage, credentialInfos: [] };
}
