import { defineApi } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { API_VERSIONS_REQUEST, decodeApiVersionsRequest } from "../protocol/generated/api-versions-request.ts";
import { type ApiVersionsResponse, encodeApiVersionsResponse } from "../protocol/generated/api-versions-response.ts";

export const apiVersions = defineApi(
  "ApiVersions",
  API_VERSIONS_REQUEST,
  [0, 4],
  decodeApiVersionsRequest,
  encodeApiVersionsResponse,
  (ctx): ApiVersionsResponse => ({
    errorCode: ErrorCode.NONE,
    apiKeys: ctx.broker.apis.advertised(),
    throttleTimeMs: 0,
  }),
);
