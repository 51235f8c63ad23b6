import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { externalizeWeights } from '../tests/onnx/external-data';
import { writeTinyRepo } from '../tests/onnx/tiny-repo';
import { serveHub, type HubServer } from './hub-server';
import { expect, test, type Inspector } from './inspector';
import type { Page } from '@playwright/test';

/**
 * The hub form against what the device allows and against hostile servers
 * (issues 18 and 19): a repo whose plan cannot fit the WebGPU adapter is
 * refused before any weight is requested; a server that never answers,
 * trickles a byte a second or sends a gzip bomb as config.json is refused
 * within its limit, with Stop while checking; the loaded model stays.
 */

/** A tiny Qwen2-VL repo with its weights in .onnx_data files beside the graphs, as the exports keep them. */
function repoDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hub-limits-'));
  writeTinyRepo(dir, 'qwen2_vl');
  for (const name of ['vision_encoder', 'decoder_model_merged', 'embed_tokens']) {
    const file = join(dir, 'onnx', `${name}.onnx`);
    const { model, data } = externalizeWeights(readFileSync(file), `${name}.onnx_data`);
    writeFileSync(file, model);
    writeFileSync(`${file}_data`, data);
  }
  return dir;
}

async function check(page: Page, hub: HubServer, repo: string) {
  await page.getByTestId('hub.repo').fill(repo);
  const base = page.getByTestId('hub.base');
  if (!(await base.isVisible())) await page.getByText('Hub and dtypes').click();
  await base.fill(hub.url);
  await page.getByTestId('hub.check').click();
}

async function modelStays(page: Page, inspector: Inspector) {
  await expect(page.getByTestId('model.name')).toContainText('real-demo-v1');
  await inspector.runSample();
  await expect(page.getByTestId('token-strip.token').first()).toBeVisible();
}

test("a repo whose largest tensor is past the adapter's buffer limit is refused before any weight is requested", async ({
  inspector,
  page,
}) => {
  // The adapter the page sees allows 1 KiB per buffer; everything else about it is the real one.
  await page.addInitScript(() => {
    type Requester = { requestAdapter: (o?: unknown) => Promise<object | null> };
    const gpu = (navigator as unknown as { gpu?: Requester }).gpu;
    if (!gpu) return;
    const real = gpu.requestAdapter.bind(gpu);
    gpu.requestAdapter = async (o?: unknown) => {
      const a = await real(o);
      if (!a) return a;
      const limits = { maxBufferSize: 1024, maxStorageBufferBindingSize: 1024 };
      return new Proxy(a, {
        get: (t, k) => {
          if (k === 'limits') return limits;
          const v = Reflect.get(t, k, t);
          return typeof v === 'function' ? v.bind(t) : v;
        },
      });
    };
  });
  const hub = await serveHub({ repos: { 'tiny/too-big': repoDir() } });
  try {
    // Automatic backend: the built-in model runs on WebAssembly (the adapter is SwiftShader), a repo is planned for WebGPU.
    await inspector.open('');
    await inspector.waitForModel();
    await expect(inspector.backend()).toHaveText('WebAssembly');
    await check(page, hub, 'tiny/too-big');
    await expect(page.getByTestId('hub.summary')).toHaveCount(0);
    const error = page.getByTestId('hub.error');
    await expect(error).toContainText(
      /cannot run here: its largest tensor, .*; the device allows 1\.02 kB per buffer \(maxStorageBufferBindingSize\); no .* dtype in this repo fits/,
    );
    expect(await error.textContent()).not.toMatch(/\n/);
    await expect(page.getByTestId('hub.load')).toHaveCount(0);
    // Graphs were read (that is how the plan knows); no weight was asked for.
    expect(hub.requests.filter((r) => r.method === 'GET' && r.url.includes('.onnx_data'))).toEqual([]);
    expect(hub.requests.some((r) => r.method === 'GET' && r.url.endsWith('.onnx'))).toBe(true);
    await expect(page.getByTestId('model.name')).toContainText('real-demo-v1');
    await inspector.runSample();
  } finally {
    await hub.close();
  }
});

test('a silent server, one that sends a byte a second, and a gzip bomb as config.json: the form says why, Stop works, the model stays', async ({
  inspector,
  page,
}) => {
  const dir = repoDir();
  const hub = await serveHub({ repos: { 'tiny/silent': dir, 'tiny/trickle': dir, 'tiny/bomb': dir } });
  hub.misbehave('tiny/silent/config.json', { kind: 'silent' });
  hub.misbehave('tiny/trickle/config.json', { kind: 'trickle', everyMs: 1000 });
  hub.misbehave('tiny/bomb/config.json', { kind: 'gzip-bomb', bytes: 2 ** 30 });
  const error = page.getByTestId('hub.error');
  try {
    // Every network limit at 3 s for the test (30–60 s in use).
    await inspector.open('?backend=wasm&hubTimeoutMs=3000');
    await inspector.waitForModel();

    await check(page, hub, 'tiny/silent');
    await expect(error).toHaveText(
      `config.json: ${hub.url}/tiny/silent/resolve/main/ did not answer within 3 s`,
      {
        timeout: 15_000,
      },
    );

    await check(page, hub, 'tiny/trickle');
    await expect(page.getByTestId('hub.check')).toHaveText('Checking…');
    await expect(error).toHaveText(
      `config.json: ${hub.url}/tiny/trickle/resolve/main/ did not send it whole within 3 s`,
      {
        timeout: 15_000,
      },
    );

    // Stop while checking: the check ends at once, saying so.
    await check(page, hub, 'tiny/silent');
    await page.getByTestId('hub.stop-check').click();
    await expect(error).toHaveText('the check was stopped; nothing was downloaded', { timeout: 2000 });
    await expect(page.getByTestId('hub.check')).toHaveText('Check size');
    await expect(page.getByTestId('hub.stop-check')).toHaveCount(0);

    await check(page, hub, 'tiny/bomb');
    await expect(error).toHaveText(
      'config.json: sent more than the 16777216 bytes it may have (counted as they arrived, decompressed); refused',
      { timeout: 15_000 },
    );
    await modelStays(page, inspector);
  } finally {
    await hub.close();
  }
});
