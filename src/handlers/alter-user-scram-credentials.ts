import { defineApi } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import {
  ALTER_USER_SCRAM_CREDENTIALS_REQUEST,
  decodeAlterUserScramCredentialsRequest,
} from "../protocol/generated/alter-user-scram-credentials-request.ts";
import {
  type AlterUserScramCredentialsResponse,
  type AlterUserScramCredentialsResult,
  encodeAlterUserScramCredentialsResponse,
} from "../protocol/generated/alter-user-scram-credentials-response.ts";
import type { MetadataRecord } from "../storage/metadata-records.ts";
import { AclOperation } from "../security/acl.ts";
import { mayOnCluster } from "./resource-access.ts";
import { MAX_ITERATIONS, MIN_ITERATIONS, credentialFromSaltedPassword, scramMechanism } from "../security/scram.ts";

/**
 * Creates, replaces and removes SCRAM credentials: the client sends salt and salted password (never
 * the password); the metadata log keeps StoredKey and ServerKey in a UserScramCredentialRecord. Each
 * user's changes succeed or fail together (one result per user), and all successes are one batch.
 */
export const alterUserScramCredentials = defineApi(
  "AlterUserScramCredentials",
  ALTER_USER_SCRAM_CREDENTIALS_REQUEST,
  [0, 0],
  decodeAlterUserScramCredentialsRequest,
  encodeAlterUserScramCredentialsResponse,
  async (ctx, req): Promise<AlterUserScramCredentialsResponse> => {
    const credentials = ctx.broker.security.credentials;
    const users = [...new Set([...req.deletions, ...req.upsertions].map((c) => c.name))];
    if (!mayOnCluster(ctx, AclOperation.ALTER)) {
      return { throttleTimeMs: 0, results: users.map((user) => result(user, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, null)) };
    }
    const records: MetadataRecord[] = [];
    const results = users.map((user): AlterUserScramCredentialsResult => {
      const changes = [...req.deletions.map((d) => ({ ...d, upsertion: undefined })), ...req.upsertions.map((u) => ({ ...u, upsertion: u }))].filter(
        (c) => c.name === user,
      );
      const userRecords: MetadataRecord[] = [];
      const seen = new Set<number>();
      for (const change of changes) {
        const mechanism = scramMechanism(change.mechanism);
        if (user === "") return result(user, ErrorCode.UNACCEPTABLE_CREDENTIAL, "Username must not be empty");
        if (!mechanism) return result(user, ErrorCode.UNSUPPORTED_SASL_MECHANISM, "Unknown SCRAM mechanism");
        if (seen.has(mechanism.type)) return result(user, ErrorCode.DUPLICATE_RESOURCE, "A user credential cannot be altered twice in the same request");
        seen.add(mechanism.type);
        const u = change.upsertion;
        if (!u) {
          if (!credentials.get(user, mechanism.name)) return result(user, ErrorCode.RESOURCE_NOT_FOUND, "Attempt to delete a user credential that does not exist");
          userRecords.push({ type: "RemoveUserScramCredentialRecord", record: { name: user, mechanism: mechanism.type } });
          continue;
        }
        if (u.iterations < MIN_ITERATIONS) return result(user, ErrorCode.UNACCEPTABLE_CREDENTIAL, "Too few iterations");
        if (u.iterations > MAX_ITERATIONS) return result(user, ErrorCode.UNACCEPTABLE_CREDENTIAL, "Too many iterations");
        const c = credentialFromSaltedPassword(mechanism, u.salt, u.saltedPassword, u.iterations);
        userRecords.push({ type: "UserScramCredentialRecord", record: { name: user, mechanism: mechanism.type, ...c } });
      }
      records.push(...userRecords);
      return result(user, ErrorCode.NONE, null);
    });
    if (records.length > 0) await ctx.broker.metadata.append(records);
    return { throttleTimeMs: 0, results };
  },
);

function result(user: string, errorCode: number, errorMessage: string | null): AlterUserScramCredentialsResult {
  return { user, errorCode, errorMessage };
}
