// Request/response pairs for RawClient, straight from the generated codecs.
import * as apiVersionsReq from "../../src/protocol/generated/api-versions-request.ts";
import * as apiVersionsRes from "../../src/protocol/generated/api-versions-response.ts";
import * as metadataReq from "../../src/protocol/generated/metadata-request.ts";
import * as metadataRes from "../../src/protocol/generated/metadata-response.ts";
import * as produceReq from "../../src/protocol/generated/produce-request.ts";
import * as produceRes from "../../src/protocol/generated/produce-response.ts";
import * as fetchReq from "../../src/protocol/generated/fetch-request.ts";
import * as fetchRes from "../../src/protocol/generated/fetch-response.ts";
import * as createTopicsReq from "../../src/protocol/generated/create-topics-request.ts";
import * as createTopicsRes from "../../src/protocol/generated/create-topics-response.ts";
import * as listOffsetsReq from "../../src/protocol/generated/list-offsets-request.ts";
import * as listOffsetsRes from "../../src/protocol/generated/list-offsets-response.ts";

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
