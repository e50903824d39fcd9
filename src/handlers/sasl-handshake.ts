import { defineApi } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { SASL_HANDSHAKE_REQUEST, decodeSaslHandshakeRequest } from "../protocol/generated/sasl-handshake-request.ts";
import { type SaslHandshakeResponse, encodeSaslHandshakeResponse } from "../protocol/generated/sasl-handshake-response.ts";

/**
 * Picks the SASL mechanism (v0: the exchange follows as raw tokens; v1: as SaslAuthenticate
 * requests). The answer lists the enabled mechanisms; an unsupported mechanism, a handshake out of
 * turn, or one on a listener without SASL is answered and the connection closed, as Kafka does.
 */
export const saslHandshake = defineApi(
  "SaslHandshake",
  SASL_HANDSHAKE_REQUEST,
  // From v0: librdkafka 2.0 (kcat, confluent-kafka) does not attempt SASL unless v0 is listed.
  [0, 1],
  decodeSaslHandshakeRequest,
  encodeSaslHandshakeResponse,
  (ctx, req): SaslHandshakeResponse => {
    const sasl = ctx.session.sasl;
    const result = sasl ? sasl.handshake(req.mechanism, ctx.apiVersion) : "ILLEGAL_SASL_STATE";
    if (result !== "OK") ctx.closeAfterResponse();
    return { errorCode: ErrorCode[result === "OK" ? "NONE" : result], mechanisms: sasl?.enabledMechanisms ?? [] };
  },
);
