import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NodeFolderSource } from '../../src/cli/node-repo-source';
import { FileListSource } from '../../src/workers/hub/file-list-source';
import { loadRepo } from '../../src/workers/hub/load';
import { planRepo } from '../../src/workers/hub/plan';
import { dataFile, sameBytes, seededBytes, tinyRepo, writeRepo } from './repo-fixture';
import { refusal } from './refusal';
import { HANG_MS } from '../timing';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'hub-local-'));
  dirs.push(d);
  return d;
};

describe('NodeFolderSource', () => {
  it('reads, sizes and says absent', async () => {
    const dir = tmp();
    writeRepo(dir, { 'onnx/a.onnx': seededBytes(1000, 3) });
    const src = new NodeFolderSource(dir);
    expect(await src.size('onnx/a.onnx')).toBe(1000);
    expect(await src.size('./onnx//a.onnx')).toBe(1000);
    expect(await src.size('onnx/b.onnx')).toBeNull();
    expect(await src.size('onnx/a.onnx/x')).toBeNull();
    expect(sameBytes(await src.read('onnx/a.onnx'), seededBytes(1000, 3))).toBe(true);
    const into = new Uint8Array(3000);
    const got = await src.read('onnx/a.onnx', { into: into.subarray(1000, 2000) });
    expect(got.buffer).toBe(into.buffer);
    expect(sameBytes(into.subarray(1000, 2000), seededBytes(1000, 3))).toBe(true);
    expect(await refusal(src.read('onnx/a.onnx', { into: new Uint8Array(10) }))).toMatch(
      /has 1000 bytes, the buffer for it 10/,
    );
    expect(await refusal(src.read('onnx/b.onnx'))).toMatch(/^onnx\/b\.onnx: is not in /);
  });

  it('refuses a symlink that leads out of the folder, and allows one that stays inside', async () => {
    const outside = tmp();
    writeFileSync(join(outside, 'secret.json'), '{"secret": 1}');
    const dir = tmp();
    writeRepo(dir, { 'real.json': '{}' });
    symlinkSync(join(outside, 'secret.json'), join(dir, 'config.json'));
    symlinkSync(join(dir, 'real.json'), join(dir, 'inside.json'));
    symlinkSync(outside, join(dir, 'onnx'));
    const src = new NodeFolderSource(dir);
    expect(await refusal(src.size('config.json'))).toMatch(
      /^config\.json: is a link to .*secret\.json, outside .*; refused$/,
    );
    expect(await refusal(src.read('config.json'))).toMatch(/outside/);
    expect(await refusal(src.read('onnx/secret.json'))).toMatch(
      /^onnx\/secret\.json: is a link to .*, outside/,
    );
    expect(new TextDecoder().decode(await src.read('inside.json'))).toBe('{}');
  });

  it('refuses a FIFO and a device at once, without opening them', async () => {
    const dir = tmp();
    execFileSync('mkfifo', [join(dir, 'tokenizer.json')]);
    const src = new NodeFolderSource(dir);
    const t = Date.now();
    expect(await refusal(src.size('tokenizer.json'))).toBe(
      'tokenizer.json: is a named pipe (FIFO), not a regular file; refused',
    );
    expect(await refusal(src.read('tokenizer.json'))).toMatch(/FIFO/);
    expect(await refusal(new NodeFolderSource('/dev').read('zero'))).toBe(
      'zero: is a device, not a regular file; refused',
    );
    expect(await refusal(new NodeFolderSource('/dev').size('null'))).toMatch(/is a device/);
    expect(Date.now() - t, 'no blocking open (a hang)').toBeLessThan(HANG_MS);
  });

  it('refuses a file above the size cap', async () => {
    const dir = tmp();
    writeRepo(dir, { 'big.bin': new Uint8Array(4096) });
    // Sizing says how big it is (the plan decides what the backend can take); reading refuses it.
    expect(await new NodeFolderSource(dir, 1024).size('big.bin')).toBe(4096);
    expect(await refusal(new NodeFolderSource(dir, 1024).read('big.bin'))).toBe(
      'big.bin: has 4096 bytes, more than the 1024 this loader reads',
    );
    expect(await refusal(new NodeFolderSource(dir).read('big.bin', { maxBytes: 100 }))).toMatch(
      /^big\.bin: has 4096 bytes, more than/,
    );
  });

  it('refuses paths that leave the repo before touching the disk', async () => {
    const src = new NodeFolderSource(tmp());
    for (const p of ['../x', '%2e%2e/x', 'a\\..\\..\\x', '/etc/passwd', 'file:///etc/passwd', 'C:\\x'])
      expect(await refusal(src.size(p)), p).toMatch(/must stay inside the repo/);
  });

  it('says so when the folder is not there', async () => {
    expect(await refusal(new NodeFolderSource(join(tmp(), 'none')).size('config.json'))).toMatch(
      /: no such folder \(ENOENT\)$/,
    );
  });

  it('reads a Hugging Face cache snapshot, whose files link to ../../blobs', async () => {
    const cache = join(tmp(), 'models--owner--tiny');
    const snap = join(cache, 'snapshots', 'abc123');
    mkdirSync(join(cache, 'blobs'), { recursive: true });
    mkdirSync(snap, { recursive: true });
    const files = tinyRepo({ dtypes: ['quantized'] });
    let i = 0;
    for (const [path, bytes] of Object.entries(files)) {
      const blob = join(cache, 'blobs', `blob${i++}`);
      writeFileSync(blob, bytes);
      mkdirSync(join(snap, path, '..'), { recursive: true });
      symlinkSync(blob, join(snap, path));
    }
    const loaded = await loadRepo(
      await planRepo(new NodeFolderSource(snap), { device: { backend: 'wasm' } }),
    );
    expect(
      sameBytes(
        loaded.graphs.decoder.externalData[1].data,
        files['onnx/decoder_model_merged_quantized.onnx_data_1'],
      ),
    ).toBe(true);
    // …but a link out of the models-- folder is still refused.
    const outside = join(tmp(), 'secret');
    writeFileSync(outside, 'x');
    symlinkSync(outside, join(snap, 'leak.txt'));
    expect(await refusal(new NodeFolderSource(snap).read('leak.txt'))).toMatch(/outside/);
  });
});

/** A browser File as the folder picker gives it (webkitRelativePath under the folder's name). */
function picked(folderName: string, files: Record<string, Uint8Array>): File[] {
  return Object.entries(files).map(([path, bytes]) => {
    const f = new File([bytes as Uint8Array<ArrayBuffer>], path.split('/').pop()!);
    Object.defineProperty(f, 'webkitRelativePath', { value: `${folderName}/${path}` });
    return f;
  });
}

describe('FileListSource', () => {
  it('plans and loads a picked folder (its own name stripped), pieces into one buffer', async () => {
    const files = tinyRepo({ dtypes: ['q4'], embedInPieces: true });
    const src = new FileListSource(picked('tiny-repo', files));
    const plan = await planRepo(src, { device: { backend: 'webgpu', shaderF16: false } });
    expect(plan.dtypes.decoder).toBe('q4');
    const loaded = await loadRepo(plan);
    const embed = loaded.graphs.embed.externalData[0];
    expect(sameBytes(embed.data, dataFile(files, 'onnx/embed_tokens_q4.onnx_data'))).toBe(true);
    expect(plan.toDownload).toBe(0);
  });

  it('matches loose files (no folder) by name', async () => {
    const f = new File([new Uint8Array([1, 2, 3])], 'config.json');
    const src = new FileListSource([f]);
    expect(await src.size('config.json')).toBe(3);
    expect(await src.size('onnx/config.json')).toBe(3);
    expect(await src.size('tokenizer.json')).toBeNull();
    expect(await refusal(src.size('../config.json'))).toMatch(/must stay inside the repo/);
    expect(await refusal(src.read('tokenizer.json'))).toBe('tokenizer.json: is not among the chosen files');
  });
});
