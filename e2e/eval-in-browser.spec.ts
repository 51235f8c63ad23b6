import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from './inspector';

const N = 8;

test('the shipped set evaluates in the browser to the numbers the CLI gives', async ({ inspector, page }) => {
  await inspector.open(`?backend=wasm&evalLimit=${N}`);
  await inspector.waitForModel();
  await page.getByTestId('eval.start').click();
  await expect(page.getByTestId('eval.report')).toBeVisible({ timeout: 180_000 });
  await expect(page.getByTestId('eval.progress')).toHaveAttribute('value', String(N));

  // The same first N images through `real eval` in Node.
  const dir = mkdtempSync(join(tmpdir(), 'eval-set-'));
  const index = JSON.parse(readFileSync('public/samples/index.json', 'utf8')).slice(0, N);
  mkdirSync(join(dir, 'eval'));
  for (const e of index) {
    cpSync(join('public/samples', e.image), join(dir, e.image));
    if (e.mask) cpSync(join('public/samples', e.mask), join(dir, e.mask));
  }
  writeFileSync(join(dir, 'index.json'), JSON.stringify(index));
  const r = spawnSync(
    'npm',
    ['run', '--silent', 'real', '--', 'eval', dir, '--model', 'public/models/real-demo-v1'],
    { encoding: 'utf8' },
  );
  expect(r.status).toBe(0);
  const cli = JSON.parse(r.stdout);
  const f = (x: number | null) => (x === null ? 'n/a' : x.toFixed(3));
  await expect(page.getByTestId('eval.image')).toHaveText(
    `${f(cli.image.auroc)} / ${f(cli.image.aupr)} / ${f(cli.image.acc)}`,
  );
  for (const m of ['all', 'sI', 'sT', 'both'])
    await expect(page.getByTestId(`eval.pixel.${m}`)).toHaveText(f(cli.pixel[m].all.auroc));
});
