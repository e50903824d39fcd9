// A RawClient request/response pair from a generated request schema constant and its codecs.
import type { Reader } from "../../src/protocol/reader.ts";
import type { Writer } from "../../src/protocol/writer.ts";
import type { Message, ResponseCodec } from "./raw-client.ts";

export function apiPair<Req, Res>(
  schema: { apiKey: number; flexibleVersions: number | null },
  encode: (w: Writer, version: number, m: Req) => void,
  decode: (r: Reader, version: number) => Res,
): { request: Message<Req>; response: ResponseCodec<Res> } {
  return { request: { apiKey: schema.apiKey, flexibleVersions: schema.flexibleVersions, encode }, response: { decode } };
}
