import { defineApi } from "./api.ts";
import { ErrorCode } from "../protocol/generated/error-codes.ts";
import { SASL_AUTHENTICATE_REQUEST, decodeSaslAuthenticateRequest } from "../protocol/generated/sasl-authenticate-request.ts";
import { type SaslAuthenticateResponse, encodeSaslAuthenticateResponse } from "../protocol/generated/sasl-authenticate-response.ts";
import { SaslAuthenticationError } from "../security/sasl-server.ts";

const EMPTY = new Uint8Array(0);

/**
 * One step of the SASL exchange chosen by SaslHandshake v1. A failure is answered with
 * SASL_AUTHENTICATION_FAILED and a message after connection.failed.authentication.delay.ms
 * (so guessing passwords is slow), and the connection is closed.
 */
export const saslAuthenticate = defineApi(
  "SaslAuthenticate",
  SASL_AUTHENTICATE_REQUEST,
  [0, 2],
  decodeSaslAuthenticateRequest,
  encodeSaslAuthenticateResponse,
  async (ctx, req): Promise<SaslAuthenticateResponse> => {
    const sasl = ctx.session.sasl;
    if (!sasl || sasl.expectsRawToken) {
      ctx.closeAfterResponse();
      return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, errorMessage: "Unexpected SaslAuthenticate request", authBytes: EMPTY, sessionLifetimeMs: 0n };
    }
    try {
      const { response, sessionLifetimeMs } = sasl.authenticate(req.authBytes, Date.now());
      return { errorCode: ErrorCode.NONE, errorMessage: null, authBytes: response, sessionLifetimeMs: BigInt(sessionLifetimeMs ?? 0) };
    } catch (err) {
      if (!(err instanceof SaslAuthenticationError)) throw err;
      ctx.closeAfterResponse();
      await ctx.broker.security.delayFailedAuthentication();
      return { errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: err.message, authBytes: EMPTY, sessionLifetimeMs: 0n };
    }
  },
);
