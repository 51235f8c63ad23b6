import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { externalizeWeights } from '../tests/onnx/external-data';
import { writeTinyRepo } from '../tests/onnx/tiny-repo';
import { serveHub } from './hub-server';
import { expect, test } from './inspector';

/**
 * A Hugging Face repo in the browser, from a local server that answers
 * `/{repo}/resolve/main/{path}` as the hub does: the user types the repo id,
 * sees the size before anything big downloads, sees progress, stops the
 * download and resumes it (HTTP Range), runs the model, and loads it again
 * offline from Cache Storage.
 */
test('a hub repo: size first, progress, stop and resume, run, then offline from the cache', async ({
  inspector,
  page,
}) => {
  const dir = mkdtempSync(join(tmpdir(), 'hub-repo-'));
  writeTinyRepo(dir, 'qwen2_vl');
  // Weights in .onnx_data files beside small graphs, as the onnx-community exports keep them.
  for (const name of ['decoder_model_merged', 'embed_tokens']) {
    const file = join(dir, 'onnx', `${name}.onnx`);
    const { model, data } = externalizeWeights(readFileSync(file), `${name}.onnx_data`);
    writeFileSync(file, model);
    writeFileSync(`${file}_data`, data);
  }
  // Slow bodies, so the download can be watched and stopped half way.
  const hub = await serveHub({
    repos: { 'tiny/qwen2-vl': dir },
    etag: true,
    throttle: { chunkBytes: 4096, delayMs: 40 },
  });
  const form = {
    repo: page.getByTestId('hub.repo'),
    base: page.getByTestId('hub.base'),
    check: page.getByTestId('hub.check'),
    load: page.getByTestId('hub.load'),
  };
  const useRepo = async () => {
    await form.repo.fill('tiny/qwen2-vl');
    await page.getByText('Hub and dtypes').click();
    await form.base.fill(hub.url);
    await form.check.click();
    await expect(page.getByTestId('hub.summary')).toBeVisible();
  };
  try {
    await inspector.open('?autoload=0&backend=wasm');
    await useRepo();
    await expect(page.getByTestId('hub.family')).toHaveText('qwen2_vl');
    await expect(page.getByTestId('hub.total')).toHaveText(/\d+(\.\d+)? kB/);
    await expect(page.getByTestId('hub.attention')).toHaveText('all 2 layers have attention');
    // The memory plan, beside the file sizes: on WebAssembly against its 4 GiB heap.
    await expect(page.getByTestId('hub.plan')).toHaveText(
      /^On WebAssembly a run needs about [\d.]+ [kM]B; wasm's 32-bit heap allows 4 GiB in all\.$/,
    );
    // No weights were fetched before the user said yes: the data files were only sized.
    const decoder = '/tiny/qwen2-vl/resolve/main/onnx/decoder_model_merged.onnx_data';
    expect(hub.requests.filter((r) => r.url.endsWith('.onnx_data') && r.method === 'GET')).toEqual([]);

    await form.load.click();
    await expect(page.getByTestId('model.progress')).toBeVisible();
    // Stop once the decoder is on its way.
    await expect(page.getByTestId('model.progress')).toContainText('decoder_model_merged.onnx', {
      timeout: 60_000,
    });
    await page.getByTestId('hub.stop').click();
    await expect(page.getByTestId('model.error')).toContainText('the download was stopped');

    await form.load.click();
    await inspector.waitForModel();
    await expect(page.getByTestId('model.family')).toContainText('qwen2_vl; all 2 layers have attention');
    // The stopped file resumed where it broke off.
    expect(
      hub.requests.some((r) => r.url === decoder && r.range?.startsWith('bytes=') && r.range !== 'bytes=0-0'),
    ).toBe(true);
    await inspector.runSample();
    await expect(page.getByTestId('token-strip.token').first()).toBeVisible();
    expect((await inspector.tokenTexts()).join('')).toContain('scratch');
  } finally {
    await hub.close();
  }

  // Offline: the server is gone; the plan and every file come from Cache Storage.
  await inspector.open('?autoload=0&backend=wasm');
  await useRepo();
  await expect(page.getByTestId('hub.load')).toHaveText('Load from the cache');
  await form.load.click();
  await inspector.waitForModel();
  await expect(page.getByTestId('model.error')).toHaveCount(0);
  await inspector.runSample();
});
