/** Kafka's DelayedFetch, reduced to what one broker needs: wake on the first append, or time out. */
import type { PartitionLog } from "../storage/engine.ts";

/**
 * Resolves true as soon as any of `logs` is appended to; false after `timeoutMs`, or at once when
 * `signal` aborts (the client went away, so nobody is waiting for the answer).
 */
export function waitForAppend(logs: Pick<PartitionLog, "onAppend">[], timeoutMs: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const unsubscribes: (() => void)[] = [];
    const finish = (appended: boolean) => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      for (const unsubscribe of unsubscribes) unsubscribe();
      resolve(appended);
    };
    const onAbort = () => finish(false);
    const timer = setTimeout(() => finish(false), Math.max(0, timeoutMs));
    signal.addEventListener("abort", onAbort);
    for (const log of logs) unsubscribes.push(log.onAppend(() => finish(true)));
  });
}
