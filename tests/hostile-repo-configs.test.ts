/**
 * Issue 19, items 1, 4 and 7, through the `real` command as users run it:
 * sizes a repo's configs claim (items 1), files too big to read (4) and chat
 * templates that build huge values (7). Each is one line on standard error
 * and exit 2, and the bombs are refused in under 2 s of CPU and 300 MB
 * (tests/cli-measure.ts runs the command in-process and measures it).
 */
import {
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  ftruncateSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectBounded, measured, real, refused } from './cli-process';
import { writeTinyRepo, type TinyFamily } from './onnx/tiny-repo';

let root: string;
let image: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'real-hostile-repo-'));
  image = join(root, 'photo.png');
  const png = new PNG({ width: 64, height: 48 });
  png.data.fill(128);
  writeFileSync(image, PNG.sync.write(png));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const readJson = (p: string) => JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>;

/** A tiny repo of `family` with `change` applied to its files. */
function repo(name: string, family: TinyFamily, change: (dir: string) => void): string {
  const dir = join(root, name);
  writeTinyRepo(dir, family);
  change(dir);
  return dir;
}
function edit(dir: string, file: string, f: (json: Record<string, unknown>) => void) {
  const json = readJson(join(dir, file));
  f(json);
  writeFileSync(join(dir, file), JSON.stringify(json));
}
/** A sparse file of `bytes` zero bytes: it takes no disk, but claims its size. */
function sparse(path: string, bytes: number) {
  const fd = openSync(path, 'w');
  ftruncateSync(fd, bytes);
  closeSync(fd);
}

/** `real prepare` on the repo, measured: one line, exit 2, under 2 s of CPU and 300 MB. */
function bomb(dir: string, message: RegExp, ...flags: string[]) {
  const m = measured('prepare', image, '--model', dir, ...flags);
  expect(m.message).toMatch(message);
  expect(m.message.split('\n')).toHaveLength(1);
  expect(m.code).toBe(2);
  expectBounded(m, 2_000, 300);
}

describe('sizes a config claims are bounded before any array is built (#19 item 1)', () => {
  it('Qwen2-VL min_pixels: 1e12 (an image under max_pixels is scaled up to it)', () => {
    const dir = repo('qwen-min-pixels', 'qwen2_vl', (d) =>
      edit(d, 'preprocessor_config.json', (j) => {
        j.min_pixels = 1e12;
        (j.size as Record<string, unknown>).shortest_edge = 1e12;
      }),
    );
    // The paper's 420 × 420 is above max_pixels (50176 here), so smart_resize shrinks it and never reaches min_pixels.
    for (const size of ['native', '64'])
      bomb(
        dir,
        /^real: the qwen2_vl processor would resize the 64×48 image to \d+×\d+ pixels; at most 16777216 \(4096×4096\) are allowed — check the repo's preprocessor_config\.json$/,
        '--image-size',
        size,
      );
    // `run` refuses it the same way (after loading the tiny model), with the same line.
    refused(
      real('run', image, '--model', dir, '--image-size', 'native'),
      /^real: the qwen2_vl processor would resize/,
    );
  });
  it('SmolVLM size.longest_edge: 1e6', () => {
    const dir = repo('smol-longest', 'smolvlm', (d) =>
      edit(d, 'preprocessor_config.json', (j) => {
        j.size = { longest_edge: 1e6 };
      }),
    );
    for (const size of ['paper', 'native'])
      bomb(
        dir,
        /^real: the smolvlm processor would resize the 64×48 image to \d+×\d+ pixels; at most 16777216/,
        '--image-size',
        size,
      );
  });
  it('Gemma 3 size 100000 × 100000 (was "Invalid typed array length"), and 10^10 soft tokens', () => {
    const big = repo('gemma-size', 'gemma3', (d) =>
      edit(d, 'preprocessor_config.json', (j) => {
        j.size = { width: 100000, height: 100000 };
      }),
    );
    bomb(big, /^real: the gemma3 processor would resize the 64×48 image to 100000×100000 pixels/);
    const tokens = repo('gemma-tokens', 'gemma3', (d) => {
      for (const f of ['preprocessor_config.json', 'processor_config.json'])
        edit(d, f, (j) => {
          j.image_seq_length = 1e10;
        });
    });
    bomb(
      tokens,
      /^real: the gemma3 processor would make 10000000000 image tokens of the 64×48 image; the memory plan allows \d+/,
    );
  });
});

describe('prepare reads the repo under the caps of inspect-model and run (#19 item 4)', () => {
  it('a tokenizer.json of 260 MiB is refused by its size, not parsed', () => {
    const dir = repo('big-tokenizer', 'qwen2_vl', (d) => sparse(join(d, 'tokenizer.json'), 260 * 2 ** 20));
    bomb(dir, /^real: tokenizer\.json: has 272629760 bytes, more than the 268435456 this loader reads$/);
  });
  it('a config.json of 700 MB of NUL bytes is refused by its size, not read', () => {
    const dir = repo('big-config', 'qwen2_vl', (d) => sparse(join(d, 'config.json'), 700e6));
    bomb(dir, /^real: config\.json: has 700000000 bytes, more than the 16777216 this loader reads$/);
  });
});

describe('chat templates are refused before they build a huge value (#19 item 7)', () => {
  const withTemplate = (name: string, template: string) =>
    repo(name, 'qwen2_vl', (d) => writeFileSync(join(d, 'chat_template.jinja'), template));
  it('indent(300000000): no 342 MB string first', () =>
    bomb(
      withTemplate(
        'indent-3e8',
        '{{ "a\\nb" | indent(300000000) }}<|vision_start|><|image_pad|><|vision_end|>',
      ),
      /^real: the chat template's indent would build a string of 300000003 characters \(at most 1000000\); refusing it$/,
    ));
  it('indent(600000000): not V8\'s "Invalid string length"', () =>
    bomb(
      withTemplate('indent-6e8', '{{ "a\\nb" | indent(600000000, true) }}'),
      /^real: the chat template's indent would build a string of 1200000003 characters/,
    ));
  it('tojson(indent=100000000): not V8\'s "Invalid string length"', () =>
    bomb(
      withTemplate('tojson-1e8', '{{ messages | tojson(indent=100000000) }}'),
      /^real: the chat template's tojson would build a string of more than 1000000 characters/,
    ));
});
