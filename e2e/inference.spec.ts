import { readFileSync } from 'node:fs';
import { loadModelDir, runToTrace } from '../src/cli/run-model';
import { decodeImage } from '../src/cli/image-file';
import { expect, test } from './inspector';

const SAMPLE = '001_brick_scratch';

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
  await inspector.open();
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
  await expect(page.getByTestId('run.answer')).toContainText('P(yes)');
});
