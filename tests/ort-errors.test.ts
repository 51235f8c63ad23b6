/**
 * Issue 19, item 11: what onnxruntime says about a broken graph reaches the
 * user as one line naming the file (and the input, at run time) with the
 * runtime's own words, never its build machine's paths (/onnxruntime_src/…,
 * /mnt/azure_nvme_temp/_work/…), C++ signatures, "ERROR_CODE" wrapping or
 * stack text; `real run` exits 2. Each case on both runtimes of the CLI
 * (onnxruntime-node, the default, and onnxruntime-web's wasm). The broken
 * graphs are built here with the project's ONNX writer (tests/onnx/proto.ts).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLOAT, model } from './onnx/proto';
import { pngBytes, plantedImage } from './onnx/tiny-repo-image';
import { writeTinyRepo } from './onnx/tiny-repo';
import { writeTinyPackage } from './onnx/tiny-vlm';

function real(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/real.ts', ...args], {
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A vision encoder with Gemma 3's input and output names whose one node is `op`, stamped with `opset`. */
function visionGraph(op: string, opset = 17): Uint8Array {
  return model(
    {
      nodes: [{ op, inputs: ['pixel_values'], outputs: ['image_features'] }],
      inputs: [{ name: 'pixel_values', type: FLOAT, dims: ['batch_size', 3, 'height', 'width'] }],
      outputs: [{ name: 'image_features', type: FLOAT, dims: ['batch_size', 256, 8] }],
      initializers: [],
    },
    opset,
  );
}

let root: string;
let image: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'ort-errors-'));
  image = join(root, 'a.png');
  writeFileSync(image, pngBytes(plantedImage('gemma3', 200, 120, 3, 3).image));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A tiny Gemma 3 repo with one change. */
function gemmaRepo(name: string, change: (dir: string) => void): string {
  const dir = join(root, name);
  writeTinyRepo(dir, 'gemma3');
  change(dir);
  return dir;
}

/** The tiny model package with one file replaced, its manifest's hash and size updated to match. */
function packageWith(name: string, file: 'embedTokens' | 'visionEncoder' | 'decoder', bytes: Uint8Array) {
  const dir = join(root, name);
  writeTinyPackage(dir);
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  writeFileSync(join(dir, m.files[file].path), bytes);
  m.files[file].sha256 = createHash('sha256').update(bytes).digest('hex');
  m.files[file].bytes = bytes.length;
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
  return dir;
}

const CASES: { name: string; model: () => string; says: RegExp }[] = [
  {
    name: 'an unknown op',
    model: () =>
      gemmaRepo('unknown-op', (d) =>
        writeFileSync(join(d, 'onnx/vision_encoder.onnx'), visionGraph('FrobnicateX')),
      ),
    says: /^onnx\/vision_encoder\.onnx could not be loaded by \S+ \((cpu|wasm)\): .*No Op registered for FrobnicateX with domain_version of 17$/,
  },
  {
    name: 'opset 99999',
    model: () =>
      gemmaRepo('opset', (d) =>
        writeFileSync(join(d, 'onnx/vision_encoder.onnx'), visionGraph('Identity', 99999)),
      ),
    says: /^onnx\/vision_encoder\.onnx could not be loaded by \S+ \((cpu|wasm)\): ONNX Runtime only \*guarantees\* support for models stamped with official released onnx opset versions\. Opset 99999 /,
  },
  {
    name: 'an all-zero graph',
    model: () => packageWith('zeros', 'embedTokens', new Uint8Array(4096)),
    says: /^onnx\/embed_tokens\.onnx could not be loaded by \S+ \((cpu|wasm)\): Failed to load model because protobuf parsing failed\.$/,
  },
  {
    name: 'a Gemma 3 image size of 1 × 896 (a shape error at run time)',
    model: () =>
      gemmaRepo('gemma-1x896', (d) => {
        const file = join(d, 'preprocessor_config.json');
        const pp = JSON.parse(readFileSync(file, 'utf8'));
        writeFileSync(file, JSON.stringify({ ...pp, size: { height: 1, width: 896 } }));
      }),
    says: /^onnx\/vision_encoder\.onnx failed in \S+ \((cpu|wasm)\) on input pixel_values \[1, 3, 1, 896\]: .*The input tensor cannot be reshaped to the requested shape\. Input shape:\{1,1,16\}, requested shape:\{1,256,1\}$/,
  },
];

/** What must never reach the user from onnxruntime. */
const RAW =
  /onnxruntime_src|_work[\\/]|azure_nvme|\/mnt\/|[A-Za-z]:\\a\\|\.(h|cc|cpp):\d+|ERROR_CODE|ERROR_MESSAGE|\[ONNXRuntimeError\]|\bat .*\(.*:\d+:\d+\)|onnxruntime::|std::/;

describe("onnxruntime's errors in the CLI", () => {
  for (const c of CASES) {
    for (const runtime of ['native', 'wasm'] as const) {
      it(`${c.name}, on ${runtime}: one line naming the file and what onnxruntime said, exit 2`, () => {
        const r = real('run', image, '--model', c.model(), '--runtime', runtime, '--max-tokens', '2');
        expect(r.status).toBe(2);
        expect(r.stdout).toBe('');
        const lines = r.stderr.trimEnd().split('\n');
        expect(lines).toHaveLength(1);
        const line = lines[0].replace(/^real: /, '');
        expect(line).toMatch(c.says);
        expect(line).toContain(runtime === 'native' ? 'onnxruntime-node (cpu)' : 'onnxruntime-web (wasm)');
        expect(line).not.toMatch(RAW);
      }, 60_000);
    }
  }
});
