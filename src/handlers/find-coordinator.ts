import { defineApi } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { FIND_COORDINATOR_REQUEST, decodeFindCoordinatorRequest } from "../protocol/generated/find-coordinator-request.ts";
import { type FindCoordinatorResponse, encodeFindCoordinatorResponse } from "../protocol/generated/find-coordinator-response.ts";

/** FindCoordinator key types: a consumer group, or a transactional.id (for InitProducerId's epochs). */
const GROUP = 0;
const TRANSACTION = 1;

/** This broker coordinates every group and transactional id; v4+ asks for several keys at once. */
export const findCoordinator = defineApi(
  "FindCoordinator",
  FIND_COORDINATOR_REQUEST,
  [0, 6],
  decodeFindCoordinatorRequest,
  encodeFindCoordinatorResponse,
  (ctx, req): FindCoordinatorResponse => {
    const keyType = req.keyType ?? GROUP;
    const { host, port } = ctx.broker.advertisedAddress(ctx.listener, ctx.localAddress);
    const coordinator =
      keyType === GROUP || keyType === TRANSACTION
        ? { errorCode: ErrorCode.NONE, errorMessage: null, nodeId: ctx.broker.config.nodeId, host, port }
        : { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `unknown coordinator key type ${keyType}`, nodeId: -1, host: "", port: -1 };
    if (ctx.apiVersion >= 4) return { throttleTimeMs: 0, coordinators: (req.coordinatorKeys ?? []).map((key) => ({ key, ...coordinator })) };
    return { throttleTimeMs: 0, ...coordinator };
  },
);
