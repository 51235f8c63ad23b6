import { readFileSync } from 'node:fs';
import { loadModelDir, runToTrace } from '../src/cli/run-model';
import { decodeImage } from '../src/cli/image-file';
import { expect, test } from './inspector';

// The first golden case: PyTorch's own tokens for this image (tools/demo-model/golden).
const golden = JSON.parse(readFileSync('tools/demo-model/golden/golden.json', 'utf8'));
const SAMPLE: string = golden.cases[0].id;
// Raw pieces ("▁.") against displayed text (" ." reads "." after the tokenizer's clean-up): compare words.
const words = (ts: string[]) => ts.map((t) => t.replace(/^▁/, '').trim());
const GOLDEN_WORDS: string[] = words(golden.cases[0].torch.texts);

/** The same image through the same engine in Node (wasm): the reference for both browser backends. */
async function nodeTokens(): Promise<string[]> {
  const model = await loadModelDir('public/models/real-demo-v1');
  try {
    const trace = await runToTrace(
      model,
      decodeImage(readFileSync(`public/samples/eval/${SAMPLE}.png`), SAMPLE),
    );
    return trace.generated.map((t) => t.text);
  } finally {
    await model.release();
  }
}

test('the demo model runs on WebGPU and answers as the wasm backend does', async ({ inspector, page }) => {
  // SwiftShader runs the demo model at a few seconds an answer quiet, minutes on a loaded machine: a hang guard.
  test.setTimeout(480_000);
  // Forced: on this machine's software adapter the app picks WebAssembly for the demo model by itself.
  await inspector.open('?backend=webgpu');
  await inspector.waitForModel();
  await expect(inspector.backend()).toHaveText('WebGPU');
  await inspector.runSample(SAMPLE);
  const onWebGpu = await inspector.tokenTexts();
  expect(onWebGpu.length).toBeGreaterThan(5);

  await inspector.open('?backend=wasm');
  await inspector.waitForModel();
  await expect(inspector.backend()).toHaveText('WebAssembly');
  await inspector.runSample(SAMPLE);
  expect(await inspector.tokenTexts()).toEqual(onWebGpu);
  expect(onWebGpu).toEqual(await nodeTokens());
  expect(words(onWebGpu)).toEqual(GOLDEN_WORDS);
  await expect(page.getByTestId('run.answer')).toContainText('P(yes)');
});
