import { defineApi } from "./api.ts";
import { GROUP_KEY_TYPE, TRANSACTION_KEY_TYPE } from "../cluster/broker-registry.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { FIND_COORDINATOR_REQUEST, decodeFindCoordinatorRequest } from "../protocol/generated/find-coordinator-request.ts";
import { type FindCoordinatorResponse, encodeFindCoordinatorResponse } from "../protocol/generated/find-coordinator-response.ts";
import { AclOperation, ResourceType } from "../security/acl.ts";

/** Each key's coordinator: this broker alone, or the live broker the cluster's spread names; v4+ asks for several keys at once. */
export const findCoordinator = defineApi(
  "FindCoordinator",
  FIND_COORDINATOR_REQUEST,
  [0, 6],
  decodeFindCoordinatorRequest,
  encodeFindCoordinatorResponse,
  (ctx, req): FindCoordinatorResponse => {
    const keyType = req.keyType ?? GROUP_KEY_TYPE;
    const coordinator = (key: string) => {
      if (keyType !== GROUP_KEY_TYPE && keyType !== TRANSACTION_KEY_TYPE) {
        return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `unknown coordinator key type ${keyType}`, nodeId: -1, host: "", port: -1 };
      }
      if (!ctx.authorize(AclOperation.DESCRIBE, keyType === GROUP_KEY_TYPE ? ResourceType.GROUP : ResourceType.TRANSACTIONAL_ID, key)) {
        const errorCode = keyType === GROUP_KEY_TYPE ? ErrorCode.GROUP_AUTHORIZATION_FAILED : ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
        return { errorCode, errorMessage: null, nodeId: -1, host: "", port: -1 };
      }
      const { nodeId, host, port } = ctx.broker.coordinatorOf(keyType, key, ctx.listener, ctx.localAddress);
      return { errorCode: ErrorCode.NONE, errorMessage: null, nodeId, host, port };
    };
    if (ctx.apiVersion >= 4) return { throttleTimeMs: 0, coordinators: (req.coordinatorKeys ?? []).map((key) => ({ key, ...coordinator(key) })) };
    return { throttleTimeMs: 0, ...coordinator(req.key ?? "") };
  },
);
