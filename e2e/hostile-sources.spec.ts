import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTinyRepo } from '../tests/onnx/tiny-repo';
import { serveHub } from './hub-server';
import { expect, test } from './inspector';

/**
 * Model sources that try to leave their folder or origin: a repo whose
 * server redirects a file to a second local origin, and a package whose
 * manifest names traversal and absolute paths. Nothing outside is fetched,
 * the user reads why, and the model already loaded stays.
 */
test('a redirect to another origin is refused before anything is fetched there', async ({
  inspector,
  page,
}) => {
  const dir = mkdtempSync(join(tmpdir(), 'redirect-repo-'));
  writeTinyRepo(dir, 'qwen2_vl');
  const other = await serveHub({ outside: { '/evil.onnx': 'not a model' } });
  const hub = await serveHub({ repos: { 'tiny/redirects': dir } });
  hub.redirect('tiny/redirects/onnx/decoder_model_merged.onnx', `${other.url}/evil.onnx`);
  try {
    await inspector.open('?backend=wasm');
    await inspector.waitForModel();
    await page.getByTestId('hub.repo').fill('tiny/redirects');
    await page.getByText('Hub and dtypes').click();
    await page.getByTestId('hub.base').fill(hub.url);
    await page.getByTestId('hub.check').click();
    await expect(page.getByTestId('hub.error')).toContainText('decoder_model_merged.onnx');
    await expect(page.getByTestId('hub.error')).toContainText(/redirect/i);
    expect(other.requests).toEqual([]);
    // The built-in model is still loaded and runs.
    await expect(page.getByTestId('model.name')).toContainText('real-demo-v1');
    await inspector.runSample();
  } finally {
    await hub.close();
    await other.close();
  }
});

test('manifest paths that leave the package are refused without a request', async ({ inspector, page }) => {
  const pkg = mkdtempSync(join(tmpdir(), 'escape-pkg-'));
  cpSync('public/models/real-demo-v1', pkg, { recursive: true });
  const hub = await serveHub({
    repos: { 'pkg/escape': pkg },
    outside: { '/secret.bin': 'secret', '/pkg/secret.bin': 'secret' },
  });
  const original = JSON.parse(readFileSync(join(pkg, 'manifest.json'), 'utf8'));
  try {
    await inspector.open('?backend=wasm');
    await inspector.waitForModel();
    for (const path of ['%2e%2e/%2e%2e/%2e%2e/secret.bin', '..\\..\\secret.bin', `${hub.url}/secret.bin`]) {
      const m = structuredClone(original);
      m.files.decoder.path = path;
      hub.setFile('pkg/escape', 'manifest.json', JSON.stringify(m));
      await page.getByTestId('model.url').fill(`${hub.url}/pkg/escape/resolve/main/`);
      await page.getByTestId('model.load-url').click();
      await expect(page.getByTestId('model.error')).toContainText('decoder');
      await expect(page.getByTestId('model.name')).toContainText('real-demo-v1');
    }
    expect(hub.requests.filter((r) => r.url.includes('secret'))).toEqual([]);
  } finally {
    await hub.close();
  }
});
