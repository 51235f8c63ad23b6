/**
 * Time bounds in tests that a loaded 2-core machine keeps. Work that must be
 * small is bounded by this process's CPU time (user + system), which other
 * jobs on the machine hardly change; wall-clock time only guards against a
 * hang, with a bound far above any normal run (a hang never ends, so it is
 * caught whatever the bound).
 */

/** Wall-clock bound for "no hang": a blocked read or an endless loop, not slowness. */
export const HANG_MS = 15_000;

/** The CPU milliseconds this process has used so far. */
export function cpuNow(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** `fn`'s value and the CPU milliseconds this process spent in it. */
export function withCpuMs<T>(fn: () => T): { value: T; cpuMs: number } {
  const t0 = cpuNow();
  const value = fn();
  return { value, cpuMs: cpuNow() - t0 };
}
