/** The coordinators' timers: bounded to what setTimeout can wait, and never what keeps the process alive. */

/** setTimeout fires at once for longer delays. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export function schedule(delayMs: number, fn: () => void): NodeJS.Timeout {
  const timer = setTimeout(fn, Math.min(Math.max(0, delayMs), MAX_TIMER_MS));
  // The listening socket keeps a broker alive; a group's timers alone must not.
  timer.unref();
  return timer;
}

/** Calls `fn` every `intervalMs`, on the same terms as schedule. */
export function scheduleEvery(intervalMs: number, fn: () => void): NodeJS.Timeout {
  const timer = setInterval(fn, Math.min(Math.max(1, intervalMs), MAX_TIMER_MS));
  timer.unref();
  return timer;
}
