/**
 * float16 embeddings at either end (issue 18): an export whose embed_tokens
 * gives float16 `inputs_embeds`, whose decoder takes them as float16, or
 * both. The engine converts at each end (merging the image features in
 * float32), so each repo writes what the float32 one writes and attends
 * where it attends, to float16's rounding. transformers.js 4.3.2 is no
 * oracle here: with one end float16 it feeds the other the wrong type
 * (onnxruntime: "Unexpected input data type"), and with both, in Node (no
 * Float16Array), it writes the float32 image features into the float16
 * embeddings' Uint16Array as integers (`data.set`), so a feature of 1.1
 * becomes the half with bits 1 (6e-8) and the image is lost.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../src/workers/engine/events';
import { writeTinyRepo, type TinyFamily } from './onnx/tiny-repo';
import { plantedImage } from './onnx/tiny-repo-image';
import { projectGeneration } from './onnx/transformers-js-run';

const root = mkdtempSync(join(tmpdir(), 'f16-embeds-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function run(family: TinyFamily, float16?: 'output' | 'input' | 'both') {
  const dir = join(root, `${family}-${float16 ?? 'fp32'}`);
  writeTinyRepo(dir, family, { answer: 'bright', ...(float16 ? { float16Embeddings: float16 } : {}) });
  const { image } = plantedImage(family, 200, 160, 3, 4);
  return projectGeneration(dir, image, { maxNewTokens: 16, sampling: { greedy: true } });
}

/** The start event's prompt row, layer 0 (the prefill's last query). */
const promptRow = (start: Extract<RunEvent, { type: 'start' }>) => start.promptAttention[0];

describe('float16 embeddings', () => {
  for (const family of ['qwen2_vl', 'gemma3'] as const) {
    it(`${family}: float16 from embed_tokens, into the decoder, or both, write what float32 writes`, async () => {
      const fp32 = await run(family);
      for (const end of ['output', 'input', 'both'] as const) {
        const f16 = await run(family, end);
        expect(f16.tokens).toEqual(fp32.tokens);
        const a = promptRow(f16.start);
        const b = promptRow(fp32.start);
        expect(a).toHaveLength(b.length);
        let worst = 0;
        for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
        // The embeddings are rounded to float16 (11 bits): the rows move by about that, no more.
        expect(worst).toBeLessThan(5e-3);
      }
    });
  }
});
