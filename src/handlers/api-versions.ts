import { defineApi } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { API_VERSIONS_REQUEST, decodeApiVersionsRequest } from "../protocol/generated/api-versions-request.ts";
import { type ApiVersionsResponse, encodeApiVersionsResponse } from "../protocol/generated/api-versions-response.ts";
import { FEATURES } from "../features.ts";

/** The feature fields are tagged (v3+); the epoch is the metadata log's, which only this broker writes. */
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
    supportedFeatures: FEATURES.map((f) => ({ name: f.name, minVersion: f.minVersion, maxVersion: f.maxVersion })),
    finalizedFeaturesEpoch: ctx.broker.metadata.epoch,
    finalizedFeatures: FEATURES.filter((f) => f.finalizedLevel > 0).map((f) => ({
      name: f.name,
      minVersionLevel: f.finalizedLevel,
      maxVersionLevel: f.finalizedLevel,
    })),
    zkMigrationReady: false,
  }),
);
