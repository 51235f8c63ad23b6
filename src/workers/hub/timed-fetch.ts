/**
 * Time limits on every network read of a repo (issue 19, item 3): a server
 * must answer (headers) within `answerMs`, a body must not stall longer than
 * `stallMs` between two chunks, and a small file (a config, a template, a
 * tokenizer) must arrive whole within `smallFileMs`, so one that trickles a
 * byte a second is refused too. Each limit aborts the request with a
 * HubError naming the file; the user's own Stop (an AbortSignal) aborts it
 * as an abort, so the caller keeps what arrived.
 */
import { HubError } from './hub-error';

export interface HubTimeouts {
  /** From the request to its response's headers. */
  answerMs: number;
  /** Between two chunks of a body. */
  stallMs: number;
  /** A whole small (text) file. */
  smallFileMs: number;
}

export const HUB_TIMEOUTS: Readonly<HubTimeouts> = { answerMs: 30_000, stallMs: 30_000, smallFileMs: 60_000 };

/** Limits from a partial set (test hooks, a slow mirror): every value a whole number of ms ≥ 1, else the default. */
export function hubTimeouts(given: Partial<HubTimeouts> = {}): HubTimeouts {
  const pick = (k: keyof HubTimeouts) => {
    const v = given[k];
    return typeof v === 'number' && Number.isFinite(v) && v >= 1
      ? Math.min(Math.floor(v), 3_600_000)
      : HUB_TIMEOUTS[k];
  };
  return { answerMs: pick('answerMs'), stallMs: pick('stallMs'), smallFileMs: pick('smallFileMs') };
}

const seconds = (ms: number) => (ms < 1000 ? `${ms} ms` : `${+(ms / 1000).toFixed(1)} s`);

/** One request's abort: the user's signal joined with the time limits that apply to it. */
export class RequestWatch {
  private readonly controller = new AbortController();
  private readonly timers: ReturnType<typeof setTimeout>[] = [];
  private readonly onUser = () => this.controller.abort(this.user!.reason);

  constructor(
    private readonly file: string,
    private readonly where: string,
    private readonly user?: AbortSignal,
  ) {
    if (user?.aborted) this.controller.abort(user.reason);
    else user?.addEventListener('abort', this.onUser, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Aborts with a HubError after `ms` unless the returned function is called first. */
  limit(ms: number, problem: string): () => void {
    const t = setTimeout(() => this.controller.abort(new HubError(this.file, problem)), ms);
    this.timers.push(t);
    return () => clearTimeout(t);
  }

  /** No answer within the limit. */
  answerWithin(ms: number): () => void {
    return this.limit(ms, `${this.where} did not answer within ${seconds(ms)}`);
  }

  /** The HubError a limit aborted with, else null (not aborted, or the user's Stop). */
  timedOut(): HubError | null {
    const r: unknown = this.controller.signal.reason;
    return r instanceof HubError ? r : null;
  }

  /** The error to throw for `e`: a limit's HubError when one fired, else `e` itself. */
  errorFor(e: unknown): unknown {
    return this.timedOut() ?? e;
  }

  /** A body whose every chunk must come within `ms` of the last (the request is aborted otherwise). */
  watchBody(body: ReadableStream<Uint8Array>, ms: number): ReadableStream<Uint8Array> {
    const reader = body.getReader();
    return new ReadableStream<Uint8Array>({
      pull: async (c) => {
        const clear = this.limit(
          ms,
          `the transfer from ${this.where} stalled: nothing arrived for ${seconds(ms)}`,
        );
        try {
          const r = await reader.read();
          if (r.done) c.close();
          else c.enqueue(r.value);
        } catch (e) {
          c.error(this.errorFor(e));
        } finally {
          clear();
        }
      },
      cancel: (reason) => reader.cancel(reason),
    });
  }

  /** Clears every limit and lets go of the user's signal. */
  dispose(): void {
    for (const t of this.timers) clearTimeout(t);
    this.user?.removeEventListener('abort', this.onUser);
  }
}

/** `problem` for a small file that took longer than its limit. */
export function slowFile(where: string, ms: number): string {
  return `${where} did not send it whole within ${seconds(ms)}`;
}
