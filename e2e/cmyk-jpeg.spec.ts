import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { build, type Rollup } from 'vite';
import { decodeImage } from '../src/cli/image-file';

/**
 * One JPEG decoding in Node and in the browser (issue 12): the browser's
 * worker decodes an image file with src/workers/engine/decode-blob.ts; here
 * that module, bundled as the app bundles it, runs in Chromium on the JPEG
 * fixtures and must give the pixels Node's `real run` gives, within 2/255
 * (it gives them exactly: the same decoder). An Adobe CMYK JPEG must also
 * match what Chromium itself shows (its own decoder), within 2/255.
 */

const FIXTURES = ['cmyk.jpg', 'ycc420.jpg', 'oriented6.jpg'];

async function decoderBundle(): Promise<string> {
  const out = (await build({
    configFile: false,
    logLevel: 'silent',
    build: {
      write: false,
      minify: false,
      lib: { entry: 'src/workers/engine/decode-blob.ts', formats: ['iife'], name: 'RealDecode' },
    },
  })) as Rollup.RollupOutput | Rollup.RollupOutput[];
  const chunk = (Array.isArray(out) ? out[0] : out).output.find((o) => o.type === 'chunk');
  return (chunk as Rollup.OutputChunk).code;
}

type Pixels = { width: number; height: number; data: number[] };

test('JPEGs decode in the browser as in Node, CMYK included', async ({ page }) => {
  const bundle = await decoderBundle();
  await page.setContent('<!doctype html><title>decode</title>');
  await page.addScriptTag({ content: bundle });
  for (const name of FIXTURES) {
    const bytes = readFileSync(`tests/fixtures/images/${name}`);
    const node = decodeImage(bytes, name);
    const { app, native } = await page.evaluate(
      async ({ b64, name }) => {
        const blob = new Blob([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], { type: 'image/jpeg' });
        const decode = (
          window as unknown as { RealDecode: { decodeImageBlob(b: Blob, n: string): Promise<Pixels> } }
        ).RealDecode.decodeImageBlob;
        const a = await decode(blob, name);
        // Chromium's own decoder, as the page shows the image (EXIF orientation applied).
        const bitmap = await createImageBitmap(blob);
        const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
        const ctx = canvas.getContext('2d')!;
        ctx.drawImage(bitmap, 0, 0);
        const n = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
        return {
          app: { width: a.width, height: a.height, data: Array.from(a.data) },
          native: { width: n.width, height: n.height, data: Array.from(n.data) },
        };
      },
      { b64: bytes.toString('base64'), name },
    );
    const maxDiff = (p: Pixels) => {
      let max = 0;
      for (let i = 0; i < p.data.length; i++)
        if (i % 4 !== 3) max = Math.max(max, Math.abs(p.data[i] - node.data[i]));
      return max;
    };
    // The worker's decoding is Node's: same size, same pixels.
    expect([app.width, app.height], name).toEqual([node.width, node.height]);
    expect(maxDiff(app), `${name}: the app in Chromium against Node`).toBeLessThanOrEqual(2);
    // And the picture is the one the browser shows: same size (orientation), and for CMYK the same colours.
    expect([native.width, native.height], name).toEqual([node.width, node.height]);
    if (name === 'cmyk.jpg')
      expect(maxDiff(native), 'CMYK: Chromium’s own decoder against Node').toBeLessThanOrEqual(2);
    // Turned the same way: without chroma subsampling the two decoders differ only by IDCT rounding.
    if (name === 'oriented6.jpg') expect(maxDiff(native), 'EXIF orientation').toBeLessThanOrEqual(4);
  }
});
