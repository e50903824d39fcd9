/** Kafka's DelayedFetch, reduced to what one broker needs: wake on the first append, or time out. */
import type { UnifiedLog } from "../storage/unified-log.ts";

/** Resolves true as soon as any of `logs` is appended to, false after `timeoutMs`. */
export function waitForAppend(logs: UnifiedLog[], timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const unsubscribes: (() => void)[] = [];
    const finish = (appended: boolean) => {
      clearTimeout(timer);
      for (const unsubscribe of unsubscribes) unsubscribe();
      resolve(appended);
    };
    const timer = setTimeout(() => finish(false), Math.max(0, timeoutMs));
    for (const log of logs) unsubscribes.push(log.onAppend(() => finish(true)));
  });
}
