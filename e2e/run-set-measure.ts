import type { Browser, Page } from '@playwright/test';

/**
 * What the run-set tests measure in the browser: the page's own clock
 * (performance marks and a MutationObserver for the first tile), its long
 * tasks (PerformanceObserver 'longtask', as the issue counts them), and a
 * Chrome trace of the same span, which gives each task's CPU time beside its
 * wall time: on a loaded machine a task can take 200 ms of wall time while
 * using 10 ms of CPU (the thread was not scheduled), and only CPU time says
 * what the app's own work costs.
 */

export interface LoadWatch {
  stop(): Promise<LoadMeasures>;
}

export interface LoadMeasures {
  /** From the user's choice (the app's 'real:run-set-chosen' mark) to the first tile in the page, and to the last row. */
  firstTileMs: number;
  doneMs: number;
  /** PerformanceObserver's long tasks after the choice (wall time over 50 ms). */
  longTasks: { start: number; duration: number }[];
  /** Main-thread tasks of the page from the trace after the choice: the longest CPU time, and those over 50 ms of CPU. */
  longestTaskCpuMs: number;
  cpuLongTasks: { wallMs: number; cpuMs: number }[];
  /** CPU time of the page's main thread and of its dedicated workers from the choice to the last row, and to the first tile. */
  cpuMs: { main: number; workers: number };
  firstTileCpuMs: number;
  /** Tasks before the choice that the browser ran for the file input itself (not the app's). */
  inputTask: { wallMs: number; cpuMs: number } | null;
}

/**
 * Waits for the app's own mark that the set has loaded, by a trivial check
 * every 200 ms. Playwright's \`expect\` polling (visibility, text) runs its
 * injected script on the page's main thread, and with 500 tiles on the page
 * one such check takes 30–45 ms of CPU: in the measured window it would be
 * counted as the page's own long task.
 */
export async function setLoaded(page: Page): Promise<void> {
  await page.waitForFunction(() => performance.getEntriesByName('real:run-set-done').length > 0, null, {
    polling: 200,
    timeout: 120_000,
  });
}

/** Installs the observers and starts a trace; \`stop\` after the set has loaded (setLoaded). */
export async function watchLoad(browser: Browser, page: Page): Promise<LoadWatch> {
  await page.evaluate(`(() => {
    window.__longtasks = [];
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) window.__longtasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask' });
    window.__firstTile = null;
    const mo = new MutationObserver(() => {
      if (document.querySelector('[data-testid="gallery.tile"]')) {
        window.__firstTile = performance.now();
        performance.mark('test:first-tile');
        mo.disconnect();
      }
    });
    mo.observe(document.body, { childList: true, subtree: true });
  })()`);
  await browser.startTracing(page, {
    categories: ['toplevel', 'disabled-by-default-devtools.timeline', 'blink.user_timing', '__metadata'],
  });
  return {
    async stop() {
      const raw = await browser.stopTracing();
      const inPage = (await page.evaluate(`(() => {
        const at = (n) => performance.getEntriesByName(n)[0]?.startTime ?? null;
        return { chosen: at('real:run-set-chosen'), done: at('real:run-set-done'), first: window.__firstTile, longtasks: window.__longtasks };
      })()`)) as {
        chosen: number;
        done: number;
        first: number;
        longtasks: { start: number; duration: number }[];
      };
      return measures(JSON.parse(raw.toString('utf8')), inPage);
    },
  };
}

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  tdur?: number;
  pid: number;
  tid: number;
  args?: { name?: string };
}

function measures(
  trace: { traceEvents: TraceEvent[] } | TraceEvent[],
  inPage: { chosen: number; done: number; first: number; longtasks: { start: number; duration: number }[] },
): LoadMeasures {
  const events = Array.isArray(trace) ? trace : trace.traceEvents;
  const thread = new Map<string, string>();
  for (const e of events)
    if (e.ph === 'M' && e.name === 'thread_name') thread.set(`${e.pid}:${e.tid}`, e.args?.name ?? '');
  const mark = (n: string) => events.find((e) => e.name === n)?.ts;
  const t0 = mark('real:run-set-chosen')!;
  const tDone = mark('real:run-set-done')!;
  const tFirst = mark('test:first-tile') ?? tDone;
  // The renderer of the page is the process whose main thread has the marks.
  const pid = events.find((e) => e.name === 'real:run-set-chosen')!.pid;
  const tasks = events.filter(
    (e) => e.ph === 'X' && e.name === 'ThreadControllerImpl::RunTask' && e.pid === pid,
  );
  const name = (e: TraceEvent) => thread.get(`${e.pid}:${e.tid}`) ?? '';
  const main = tasks.filter((e) => name(e) === 'CrRendererMain');
  const workers = tasks.filter((e) => name(e) === 'DedicatedWorker thread');
  const cpu = (list: TraceEvent[], from: number, to: number) =>
    list.filter((e) => e.ts >= from && e.ts <= to).reduce((n, e) => n + (e.tdur ?? 0), 0) / 1000;
  const after = main.filter((e) => e.ts + (e.dur ?? 0) > t0 && e.ts <= tDone);
  const before = main
    .filter((e) => e.ts < t0 && e.ts > t0 - 5e6 && (e.dur ?? 0) > 50_000)
    .sort((a, b) => b.ts - a.ts)[0];
  return {
    firstTileMs: inPage.first - inPage.chosen,
    doneMs: inPage.done - inPage.chosen,
    longTasks: inPage.longtasks.filter((t) => t.start + t.duration > inPage.chosen),
    longestTaskCpuMs: Math.max(0, ...after.map((e) => (e.tdur ?? 0) / 1000)),
    cpuLongTasks: after
      .filter((e) => (e.tdur ?? 0) > 50_000)
      .map((e) => ({ wallMs: (e.dur ?? 0) / 1000, cpuMs: (e.tdur ?? 0) / 1000 })),
    cpuMs: { main: cpu(main, t0, tDone), workers: cpu(workers, t0, tDone) },
    firstTileCpuMs: cpu(main, t0, tFirst) + cpu(workers, t0, tFirst),
    inputTask: before ? { wallMs: (before.dur ?? 0) / 1000, cpuMs: (before.tdur ?? 0) / 1000 } : null,
  };
}

/** JS memory of the page and its workers (measureUserAgentSpecificMemory; the page is cross-origin isolated). */
export async function jsMemoryBytes(page: Page): Promise<number> {
  return (await page.evaluate(`performance.measureUserAgentSpecificMemory().then((m) => m.bytes)`)) as number;
}
