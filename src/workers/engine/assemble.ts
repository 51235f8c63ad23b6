import type { Trace } from '../../real';
import type { RunEvent, RunTimings, StopReason } from './events';

/** Builds the saved-run trace (trace-format.md v1) from a run's events. */
export class TraceBuilder {
  private t: Trace | null = null;
  stopReason: StopReason | null = null;
  timings: RunTimings | null = null;

  add(e: RunEvent): void {
    if (e.type === 'start') {
      this.t = {
        format: 'real-trace',
        version: 1,
        model: e.model,
        grid: { ...e.grid },
        imagePositions: e.imagePositions,
        prompt: e.prompt,
        generated: [],
        promptAttention: e.promptAttention,
      };
      return;
    }
    if (!this.t) throw new Error('a run event came before the run started');
    if (e.type === 'token') {
      this.t.generated.push({
        position: e.position,
        text: e.text,
        special: e.special,
        id: e.id,
        attention: e.attention,
      });
    } else {
      this.stopReason = e.stopReason;
      this.timings = e.timings;
      if (e.answerProbability !== undefined) this.t.answerProbability = e.answerProbability;
      this.t.timings = { ...e.timings, stopReason: e.stopReason };
    }
  }

  get trace(): Trace {
    if (!this.t) throw new Error('the run has not started');
    return this.t;
  }
}
