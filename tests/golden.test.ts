import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../src/cli/image-file';
import { loadModelDir } from '../src/cli/run-model';
import type { RunEvent, RunStart, RunToken } from '../src/workers/engine/events';
import type { LoadedModel } from '../src/workers/engine/load-model';

/**
 * The shipped demo model, quantized, on onnxruntime-web (wasm) through the
 * app's own engine, against what PyTorch (fp32) produced before export
 * (tools/demo-model/golden/golden.json): the same tokens, exactly, and every
 * attention row within the tolerance the golden file states.
 */
interface GoldenCase {
  id: string;
  image: string;
  torch: { tokens: number[]; texts: string[]; pYes: number; attention: number[][][] };
}
interface Golden {
  promptInputIds: number[];
  tolerance: { attention: number };
  cases: GoldenCase[];
}

const golden: Golden = JSON.parse(readFileSync('tools/demo-model/golden/golden.json', 'utf8'));
let model: LoadedModel;

beforeAll(async () => {
  model = await loadModelDir('public/models/real-demo-v1');
});
afterAll(() => model?.release());

describe('the demo model reproduces its PyTorch golden outputs', () => {
  it.each(golden.cases.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    const image = decodeImage(readFileSync(`public/samples/${c.image}`), c.image);
    const events: RunEvent[] = [];
    await model.engine.generate(image, {}, (e) => events.push(e));
    const start = events[0] as RunStart;
    const tokens = events.filter((e): e is RunToken => e.type === 'token');
    // The prompt as the engine built it is the one PyTorch saw.
    expect(start.imagePositions.length + start.prompt.length).toBe(golden.promptInputIds.length);
    expect(tokens.map((t) => t.id)).toEqual(c.torch.tokens);

    // attention[0] is the prefill's last row; attention[k + 1] is generated token k's own row.
    let worst = 0;
    const rows = [start.promptAttention, ...tokens.map((t) => t.attention)];
    expect(rows).toHaveLength(c.torch.attention.length);
    rows.forEach((layers, call) =>
      layers.forEach((row, l) => {
        const want = c.torch.attention[call][l];
        expect(row).toHaveLength(want.length);
        for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(row[i] - want[i]));
      }),
    );
    expect(worst).toBeLessThan(golden.tolerance.attention);
    const end = events.at(-1);
    if (end?.type === 'end' && end.answerProbability !== undefined) {
      expect(Math.abs(end.answerProbability - c.torch.pYes)).toBeLessThan(0.05);
    }
  });
});
