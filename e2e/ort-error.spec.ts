import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLOAT, model } from '../tests/onnx/proto';
import { writeTinyRepo } from '../tests/onnx/tiny-repo';
import { serveHub } from './hub-server';
import { expect, test } from './inspector';

/**
 * Issue 19, item 11, in the app: a hub repo whose vision encoder is stamped
 * with opset 99999. onnxruntime-web refuses it with its build machine's path
 * and a C++ signature in the text (/mnt/azure_nvme_temp/_work/…
 * model_load_utils.h:56 void onnxruntime::…); the user reads one line naming
 * the file and what onnxruntime said, and the model already loaded stays
 * and runs.
 */
test("onnxruntime's refusal of a graph is one line without its build paths, and the loaded model stays", async ({
  inspector,
  page,
}) => {
  const dir = mkdtempSync(join(tmpdir(), 'ort-error-repo-'));
  writeTinyRepo(dir, 'gemma3');
  writeFileSync(
    join(dir, 'onnx/vision_encoder.onnx'),
    model(
      {
        nodes: [{ op: 'Identity', inputs: ['pixel_values'], outputs: ['image_features'] }],
        inputs: [{ name: 'pixel_values', type: FLOAT, dims: ['batch_size', 3, 'height', 'width'] }],
        outputs: [{ name: 'image_features', type: FLOAT, dims: ['batch_size', 256, 8] }],
        initializers: [],
      },
      99999,
    ),
  );
  const hub = await serveHub({ repos: { 'tiny/opset-99999': dir } });
  try {
    await inspector.open('?backend=wasm');
    await inspector.waitForModel();
    await page.getByTestId('hub.repo').fill('tiny/opset-99999');
    await page.getByText('Hub and dtypes').click();
    await page.getByTestId('hub.base').fill(hub.url);
    await page.getByTestId('hub.check').click();
    await expect(page.getByTestId('hub.summary')).toBeVisible();
    await page.getByTestId('hub.load').click();
    const error = page.getByTestId('model.error');
    await expect(error).toContainText(
      'onnx/vision_encoder.onnx could not be loaded by onnxruntime-web (wasm): ONNX Runtime only *guarantees* support',
      { timeout: 60_000 },
    );
    const text = (await error.textContent()) ?? '';
    expect(text).not.toContain('\n');
    expect(text).not.toMatch(/_work|azure_nvme|\/mnt\/|\.h:\d+|onnxruntime::|std::|ERROR_CODE|ERROR_MESSAGE/);
    // The built-in model is still loaded and runs.
    await expect(page.getByTestId('model.name')).toContainText('real-demo-v1');
    await inspector.runSample();
    await expect(page.getByTestId('token-strip.token').first()).toBeVisible();
  } finally {
    await hub.close();
  }
});
