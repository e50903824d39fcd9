/**
 * A hook in the request path between the decoded request and its handler, for test kits: fault
 * injection, and an in-process cluster's leadership checks. Each interceptor answers itself or
 * calls `next` (with the request, or a changed one) to go on; the handler comes last. A broker
 * has none unless a kit installs them.
 */
import type { ApiHandler, RequestContext } from "../handlers/api.ts";

export type RequestInterceptor = (
  ctx: RequestContext,
  handler: ApiHandler,
  request: unknown,
  next: (request: unknown) => Promise<unknown | null>,
) => Promise<unknown | null>;

/** The handler's answer, through every interceptor in order. */
export function handleIntercepted(interceptors: readonly RequestInterceptor[], ctx: RequestContext, handler: ApiHandler, request: unknown): Promise<unknown | null> {
  const at = (i: number) => async (req: unknown): Promise<unknown | null> =>
    i === interceptors.length ? handler.handle(ctx, req) : interceptors[i](ctx, handler, req, at(i + 1));
  return at(0)(request);
}
