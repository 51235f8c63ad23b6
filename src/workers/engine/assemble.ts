import type { Trace, TraceModelInfo } from '../../real';
import type { RunEvent, RunTimings, StopReason } from './events';
import type { LoadedModelInfo } from './load-model';

/**
 * Builds the saved-run trace from a run's events: version 2
 * (trace-format.md) when the model describes itself (`modelInfo`: which
 * decoder layers the rows come from), else version 1.
 */
export class TraceBuilder {
  private t: Trace | null = null;
  stopReason: StopReason | null = null;
  timings: RunTimings | null = null;

  constructor(private modelInfo?: Omit<TraceModelInfo, 'attentionLayers'>) {}

  /** A builder of version-2 traces that say which model made them. */
  static forModel(info: Pick<LoadedModelInfo, 'name' | 'family' | 'source' | 'dtype'>): TraceBuilder {
    return new TraceBuilder({
      name: info.name,
      family: info.family,
      source: info.source,
      dtype: dtypeText(info.dtype),
    });
  }

  add(e: RunEvent): void {
    if (e.type === 'start') {
      this.t = {
        format: 'real-trace',
        version: this.modelInfo ? 2 : 1,
        model: e.model,
        grid: { ...e.grid },
        imagePositions: e.imagePositions,
        prompt: e.prompt,
        generated: [],
        promptAttention: e.promptAttention,
      };
      if (this.modelInfo) {
        this.t.modelInfo = { ...this.modelInfo, attentionLayers: [...e.attentionLayers] };
        if (e.views?.length) this.t.views = e.views.map((v) => ({ ...v, box: [...v.box] }));
        if (e.sizing) {
          const { mode, size, capped } = e.sizing;
          this.t.sizing = { mode, size: [size[0], size[1]], capped };
        }
        if (e.prompting) {
          // No system prompt (tier "none") is written as an empty object.
          const { system, tier } = e.prompting;
          this.t.prompting = { ...(system !== null ? { system } : {}), ...(tier !== null ? { tier } : {}) };
        }
        this.t.generation = { ...e.generation };
      }
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
      if (this.modelInfo) this.t.answer = e.answer;
      this.t.timings = { ...e.timings, stopReason: e.stopReason };
    }
  }

  get trace(): Trace {
    if (!this.t) throw new Error('the run has not started');
    return this.t;
  }
}

/** One dtype, or "decoder=q4,vision=fp32,embed=fp32" when the components differ. */
export function dtypeText(d: string | Record<string, string> | undefined): string | undefined {
  if (d === undefined || typeof d === 'string') return d;
  const values = new Set(Object.values(d));
  return values.size === 1
    ? [...values][0]
    : Object.entries(d)
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
}
