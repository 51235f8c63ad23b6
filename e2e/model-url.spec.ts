import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { expect, test } from './inspector';
import { servePackages } from './package-server';

const PKG = 'public/models/real-demo-v1';

test('a model package loads from a URL, is verified, and loads again from the cache with the server gone', async ({
  inspector,
  page,
}) => {
  const server = await servePackages({ '/org/model/resolve/main/': PKG });
  const url = `${server.url}/org/model/resolve/main/`;
  try {
    await inspector.open('?autoload=0&backend=wasm');
    await page.getByTestId('model.url').fill(url);
    await page.getByTestId('model.load-url').click();
    await inspector.waitForModel();
    await expect(page.getByTestId('model.name')).toContainText('real-demo-v1');
    expect(server.requests).toContain('/org/model/resolve/main/onnx/decoder_model_merged.onnx');
  } finally {
    await server.close();
  }
  // Offline: the manifest and every file come from Cache Storage.
  await inspector.open('?autoload=0&backend=wasm');
  await page.getByTestId('model.url').fill(url);
  await page.getByTestId('model.load-url').click();
  await inspector.waitForModel();
  await expect(page.getByTestId('model.name')).toContainText('real-demo-v1');
  await expect(page.getByTestId('model.error')).toHaveCount(0);
  await inspector.runSample();
});

test('a package with a wrong hash is refused with a clear message, and the loaded model stays', async ({
  inspector,
  page,
}) => {
  const broken = mkdtempSync(join(tmpdir(), 'bad-pkg-'));
  cpSync(PKG, broken, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(broken, 'manifest.json'), 'utf8'));
  manifest.files.decoder.sha256 = 'f'.repeat(64);
  writeFileSync(join(broken, 'manifest.json'), JSON.stringify(manifest));
  const server = await servePackages({ '/bad/': broken });
  try {
    await inspector.open('?backend=wasm');
    await inspector.waitForModel();
    await page.getByTestId('model.url').fill(`${server.url}/bad/`);
    await page.getByTestId('model.load-url').click();
    await expect(page.getByTestId('model.error')).toContainText(
      'decoder_model_merged.onnx does not match the SHA-256 in the manifest',
    );
    // Still the built-in model, still usable.
    await expect(page.getByTestId('model.name')).toContainText('real-demo-v1');
    await inspector.runSample();
  } finally {
    await server.close();
  }
});

test('a file that is not an image gets a message, and the previous run stays on screen', async ({
  inspector,
  page,
}) => {
  await inspector.open('?backend=wasm');
  await inspector.waitForModel();
  await inspector.runSample();
  const before = await inspector.tokenTexts();
  await page
    .getByTestId('image.upload')
    .setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image') });
  await expect(page.getByTestId('run.error')).toContainText('notes.txt: not an image this browser can read');
  expect(await inspector.tokenTexts()).toEqual(before);
  // and the worker still works
  await inspector.runSample();
});

test('a crashed worker is restarted, the model comes back, and the run stays on screen', async ({
  inspector,
  page,
}) => {
  await inspector.open('?test&backend=wasm');
  await inspector.waitForModel();
  await inspector.runSample();
  const before = await inspector.tokenTexts();
  await page.evaluate(() =>
    (window as unknown as { __crashInferenceWorker: () => void }).__crashInferenceWorker(),
  );
  await expect(page.getByTestId('model.error')).toContainText('The inference worker crashed');
  await inspector.waitForModel();
  await expect(page.getByTestId('model.error')).toContainText('the model was loaded again');
  expect(await inspector.tokenTexts()).toEqual(before);
  await inspector.runSample('003_grass_crack');
  expect(await inspector.tokenTexts()).not.toEqual([]);
});

test('images of 1×1 and 10000×10000 pixels get a clear message, and the worker stays usable', async ({
  inspector,
  page,
}) => {
  const png = (w: number, h: number) =>
    PNG.sync.write(
      Object.assign(new PNG({ width: w, height: h, colorType: 0, inputColorType: 0, inputHasAlpha: false }), {
        data: Buffer.alloc(w * h),
      }),
      {
        colorType: 0,
        inputColorType: 0,
        inputHasAlpha: false,
      },
    );
  await inspector.open('?backend=wasm');
  await inspector.waitForModel();
  await page
    .getByTestId('image.upload')
    .setInputFiles({ name: 'dot.png', mimeType: 'image/png', buffer: png(1, 1) });
  await expect(page.getByTestId('run.error')).toContainText('dot.png is 1×1 pixels; at least 16×16');
  await page
    .getByTestId('image.upload')
    .setInputFiles({ name: 'huge.png', mimeType: 'image/png', buffer: png(10000, 10000) });
  await expect(page.getByTestId('run.error')).toContainText(
    'huge.png is 10000×10000 pixels (100 MP); the limit is 40 MP',
  );
  await inspector.runSample();
  await expect(page.getByTestId('run.error')).toHaveCount(0);
});

test('a model package loads from a local folder the user picks', async ({ inspector, page }) => {
  await inspector.open('?autoload=0&backend=wasm');
  await page.getByTestId('model.files').setInputFiles(PKG);
  await inspector.waitForModel();
  await expect(page.getByTestId('model.name')).toContainText('real-demo-v1');
  await inspector.runSample();
});
