import { closeSync, mkdtempSync, openSync, rmSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open, type FileHandle } from 'node:fs/promises';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { READ_STEP } from '../../src/cli/safe-file';
import { NodeFolderSource } from '../../src/cli/node-repo-source';
import { planRepo } from '../../src/workers/hub/plan';
import { real } from '../cli-process';
import { tinyRepo, writeRepo, type TinyRepoOptions } from './repo-fixture';
import { refusal } from './refusal';

/**
 * Files past what one read call or one buffer can take, as sparse files
 * (truncate: sizes on disk, no bytes written). A read stops at 2 GiB, and
 * onnxruntime takes each external data file as one buffer of at most 4 GiB.
 */
const GiB = 2 ** 30;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function repoDir(o: TinyRepoOptions = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'hub-big-'));
  dirs.push(dir);
  return writeRepo(dir, tinyRepo({ dtypes: ['quantized'], twoDecoderFiles: false, ...o }));
}
const DECODER_DATA = 'onnx/decoder_model_merged_quantized.onnx_data';

describe('files of any size', () => {
  it('reads a file in steps of at most READ_STEP (a single read asserts past 2 GiB)', async () => {
    const dir = repoDir();
    const path = join(dir, 'onnx/big.bin');
    const size = 2 * READ_STEP + 4096;
    writeFileSync(path, '');
    truncateSync(path, size);
    const fd = openSync(path, 'r+');
    writeSync(fd, 'end', 0);
    writeSync(fd, 'last', size - 4);
    closeSync(fd);
    const asked: number[] = [];
    const probe = await open(path);
    const proto = Object.getPrototypeOf(probe) as FileHandle;
    await probe.close();
    const read = proto.read;
    const spy = vi.spyOn(proto, 'read').mockImplementation(function (this: FileHandle, ...a: unknown[]) {
      asked.push(a[2] as number);
      return (read as (...x: unknown[]) => ReturnType<FileHandle['read']>).apply(this, a);
    });
    try {
      const bytes = await new NodeFolderSource(dir).read('onnx/big.bin');
      expect(bytes.length).toBe(size);
      expect(new TextDecoder().decode(bytes.subarray(0, 3))).toBe('end');
      expect(new TextDecoder().decode(bytes.subarray(size - 4))).toBe('last');
    } finally {
      spy.mockRestore();
    }
    // Three steps and the one-byte probe past the end.
    expect(asked).toEqual([READ_STEP, READ_STEP, 4096, 1]);
  });

  // 2 GiB of a sparse file costs ~16 s of kernel time here: run with REAL_BIG_FILES=1.
  it.skipIf(!process.env.REAL_BIG_FILES)(
    'reads a file past 2 GiB whole',
    async () => {
      const dir = repoDir();
      const path = join(dir, 'onnx/big.bin');
      writeFileSync(path, '');
      truncateSync(path, 2 * GiB + 4096);
      const bytes = await new NodeFolderSource(dir).read('onnx/big.bin');
      expect(bytes.length).toBe(2 * GiB + 4096);
    },
    300_000,
  );

  it('reads a piece straight into its place in a larger buffer', async () => {
    const dir = repoDir();
    writeFileSync(join(dir, 'onnx/piece.bin'), Uint8Array.from([1, 2, 3, 4]));
    const buffer = new Uint8Array(8);
    const got = await new NodeFolderSource(dir).read('onnx/piece.bin', { into: buffer.subarray(2, 6) });
    expect(got.buffer).toBe(buffer.buffer);
    expect([...buffer]).toEqual([0, 0, 1, 2, 3, 4, 0, 0]);
    expect(
      await refusal(new NodeFolderSource(dir).read('onnx/piece.bin', { into: buffer.subarray(0, 3) })),
    ).toBe('onnx/piece.bin: has 4 bytes, the buffer for it 3');
  });

  it('refuses a data file past 4 GiB before reading it, in one line naming it', async () => {
    const dir = repoDir();
    truncateSync(join(dir, DECODER_DATA), 5 * GiB);
    const src = new NodeFolderSource(dir);
    expect(await refusal(planRepo(src, { device: { backend: 'wasm' } }))).toBe(
      `${DECODER_DATA}: has ${5 * GiB} bytes, more than the ${4 * GiB} one buffer holds; onnxruntime takes each data file as one buffer, so it cannot be loaded`,
    );
    const r = real('inspect-model', dir);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `real: ${DECODER_DATA}: has ${5 * GiB} bytes, more than the ${4 * GiB} one buffer holds; onnxruntime takes each data file as one buffer, so it cannot be loaded\n`,
    );
  });

  it("holds the sum of a data file's pieces against one buffer before reading any", async () => {
    const dir = repoDir({ embedInPieces: true });
    for (const i of ['00', '01', '02'])
      truncateSync(join(dir, `onnx/embed_tokens_quantized.onnx_data.${i}.chunk`), 1.5 * GiB);
    expect(await refusal(planRepo(new NodeFolderSource(dir), { device: { backend: 'wasm' } }))).toBe(
      `onnx/embed_tokens_quantized.onnx_data: has ${4.5 * GiB} bytes in its 3 pieces, more than the ${4 * GiB} one buffer holds; onnxruntime takes each data file as one buffer, so it cannot be loaded`,
    );
  });

  it('counts a data file whole in the plan, though its graph reads less of it', async () => {
    const dir = repoDir();
    const src = new NodeFolderSource(dir);
    const before = (await planRepo(src, { device: { backend: 'wasm' } })).memory;
    expect(before.fits).toBe(true);
    // The graph reads 96 KiB of it; the loader reads the file whole, so the plan counts 4 GiB − 1 MiB.
    truncateSync(join(dir, DECODER_DATA), 4 * GiB - 2 ** 20);
    const plan = await planRepo(src, { device: { backend: 'wasm' }, requireComplete: false });
    expect(plan.memory.bytes.decoder).toBeGreaterThan(4 * GiB - 2 ** 20);
    expect(plan.memory.fits).toBe(false);
    expect(plan.memory.why).toMatch(/^even with .*; wasm's 32-bit heap allows 4 GiB$/);
    expect(await refusal(planRepo(src, { device: { backend: 'wasm' } }))).toMatch(
      /^onnx\/decoder_model_merged_quantized\.onnx: even with vision encoder quantized, embeddings quantized, decoder quantized: a run with \d+ image tokens needs about 4\.\d+ GB/,
    );
  });
});
