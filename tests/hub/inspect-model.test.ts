import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inspectModelCommand } from '../../src/cli/inspect-model-command';
import { graphWithExternalData } from './repo-fixture';

const SPECIMENS = join(__dirname, '../../../shared/specimens/onnx-community');
const QWEN = join(SPECIMENS, 'qwen3.5-0.8b');
const GEMMA = join(SPECIMENS, 'gemma-3-4b');
const have = existsSync(QWEN) && existsSync(GEMMA);
if (!have) console.warn(`skipping the inspect-model specimen tests: ${SPECIMENS} is absent`);

/** Runs the CLI as users do: `npm run --silent real -- …`. */
function real(...args: string[]) {
  const r = spawnSync('npm', ['run', '--silent', 'real', '--', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.replace(/^npm warn.*\n/gm, '') };
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
/** A writable copy of a specimen (the specimens are read-only; they are never copied into the repo). */
function copy(from: string): string {
  const d = mkdtempSync(join(tmpdir(), 'hub-inspect-'));
  dirs.push(d);
  cpSync(from, d, { recursive: true });
  return d;
}

async function refusal(dir: string, dtype?: string): Promise<string> {
  try {
    await inspectModelCommand(dir, dtype);
  } catch (e) {
    expect((e as Error).message).not.toMatch(/\n/);
    return (e as Error).message;
  }
  throw new Error('expected a refusal');
}

const QWEN_DECODER = 'onnx/decoder_model_merged_quantized.onnx';
const QWEN_DECODER_DATA = 755_646_464;
const PIECE = 52_428_800; // 50 MiB, as the source repo serves them

/** The 15 decoder pieces of the Qwen3.5 layout as sparse files (sizes only, no disk used). */
function decoderPieces(dir: string, lastBytes = QWEN_DECODER_DATA - 14 * PIECE) {
  for (let i = 0; i < 15; i++) {
    const p = join(dir, `onnx/decoder_model_merged_quantized.onnx_data.${String(i).padStart(2, '0')}.chunk`);
    writeFileSync(p, '');
    truncateSync(p, i < 14 ? PIECE : lastBytes);
  }
}

describe.skipIf(!have)('real inspect-model on the specimens', () => {
  it('finds layers 3, 7, 11, 15, 19, 23 of Qwen3.5 from the graphs alone (weights absent)', () => {
    const r = real('inspect-model', QWEN);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.family).toBe('qwen3_5');
    expect(out.dtypes).toEqual({ vision: 'quantized', embed: 'quantized', decoder: 'quantized' });
    expect(out.attention).toEqual({
      layers: [3, 7, 11, 15, 19, 23],
      kind: 'gqa',
      patchable: true,
      alreadyPatched: false,
      numDecoderLayers: 24,
    });
    for (const f of out.files)
      if (f.bytes !== null) expect(f.bytes, f.path).toBe(statSync(join(QWEN, f.path)).size);
    expect(
      out.files.find((f: { path: string }) => f.path === 'onnx/decoder_model_merged_quantized.onnx_data'),
    ).toEqual({
      path: 'onnx/decoder_model_merged_quantized.onnx_data',
      bytes: null,
      pieces: 15,
    });
    expect(out.components.decoder.externalData[0].needed).toBe(QWEN_DECODER_DATA);
    expect(out.missing).toEqual([
      'tokenizer.json',
      'onnx/vision_encoder_quantized.onnx_data',
      'onnx/embed_tokens_quantized.onnx_data',
      'onnx/decoder_model_merged_quantized.onnx_data',
    ]);
    expect(out.complete).toBe(false);
    // The download it would be: every file, the absent weights at the sizes the graphs read.
    const small = out.files.reduce((n: number, f: { bytes: number | null }) => n + (f.bytes ?? 0), 0);
    expect(out.totalBytes).toBe(small + 100_971_520 + 254_279_680 + QWEN_DECODER_DATA);
  });

  it('exits 2 on the Gemma-3 specimen, which has no config.json', () => {
    const r = real('inspect-model', GEMMA);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'real: config.json: is missing: a Hugging Face model repo needs it (its model_type picks the family)\n',
    );
  });

  it.each(['fp32', 'fp16', 'q4', 'q4f16', 'quantized'])(
    'finds 34 attention layers in Gemma-3 %s once it has a config.json',
    async (dtype) => {
      const dir = copy(GEMMA);
      writeFileSync(
        join(dir, 'config.json'),
        JSON.stringify({ model_type: 'gemma3', text_config: { num_hidden_layers: 34 } }),
      );
      const out = JSON.parse(await inspectModelCommand(dir, dtype));
      expect(out.family).toBe('gemma3');
      expect(out.dtypes).toEqual({ vision: dtype, embed: dtype, decoder: dtype });
      expect(out.attention.layers).toEqual(Array.from({ length: 34 }, (_, i) => i));
      expect(out.attention.kind).toBe('gqa');
      expect(out.attention.numDecoderLayers).toBe(34);
      if (dtype === 'fp32')
        expect(out.components.decoder.externalData.map((d: { location: string }) => d.location)).toEqual([
          'decoder_model_merged.onnx_data',
          ...[1, 2, 3, 4, 5, 6, 7].map((i) => `decoder_model_merged.onnx_data_${i}`),
        ]);
    },
  );

  it('counts data pieces that are all there, and exits 2 on a short one', async () => {
    const dir = copy(QWEN);
    decoderPieces(dir);
    const out = JSON.parse(await inspectModelCommand(dir, undefined));
    expect(out.components.decoder.externalData[0]).toMatchObject({
      bytes: QWEN_DECODER_DATA,
      needed: QWEN_DECODER_DATA,
      pieces: 15,
    });
    expect(out.missing).not.toContain('onnx/decoder_model_merged_quantized.onnx_data');
    decoderPieces(dir, 1000);
    expect(await refusal(dir)).toBe(
      `onnx/decoder_model_merged_quantized.onnx_data: is truncated: its 15 pieces hold ${14 * PIECE + 1000} bytes, and ${QWEN_DECODER} reads ${QWEN_DECODER_DATA} from it (onnx/decoder_model_merged_quantized.onnx_data.14.chunk, 1000 bytes, looks short)`,
    );
    const r = real('inspect-model', dir);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^real: onnx\/decoder_model_merged_quantized\.onnx_data: is truncated/);
  });

  it('exits 2 naming a missing piece when the others are there', async () => {
    const dir = copy(QWEN);
    decoderPieces(dir);
    rmSync(join(dir, 'onnx/decoder_model_merged_quantized.onnx_data.07.chunk'));
    expect(await refusal(dir)).toMatch(
      /^onnx\/decoder_model_merged_quantized\.onnx_data\.07\.chunk: is not in the repo, though other pieces/,
    );
  });

  it('exits 2 naming a missing graph, an unknown model_type, an unknown dtype', async () => {
    const noGraph = copy(QWEN);
    rmSync(join(noGraph, QWEN_DECODER));
    expect(await refusal(noGraph)).toMatch(
      /^onnx\/decoder_model_merged\.onnx: is not in the repo in any dtype/,
    );
    expect(await refusal(copy(QWEN), 'q4')).toMatch(
      /^onnx\/vision_encoder_q4\.onnx: is not in the repo \(the dtype asked for is q4\); it has vision_encoder in: quantized$/,
    );
    expect(await refusal(QWEN, 'q3')).toMatch(/^--dtype "q3": unknown dtype/);
    const llava = copy(QWEN);
    const config = JSON.parse(readFileSync(join(llava, 'config.json'), 'utf8'));
    writeFileSync(join(llava, 'config.json'), JSON.stringify({ ...config, model_type: 'llava' }));
    expect(await refusal(llava)).toBe(
      'config.json: model_type "llava" is not a supported family (known: idefics3, smolvlm, qwen2_vl, qwen2_5_vl, qwen3_vl, qwen3_5, gemma3)',
    );
    const broken = copy(QWEN);
    writeFileSync(join(broken, 'generation_config.json'), '{"eos_token_id": [1,');
    expect(await refusal(broken)).toMatch(/^generation_config\.json: is not JSON/);
  });

  it("exits 2 with the patcher's line on a decoder it cannot patch", async () => {
    const dir = copy(QWEN);
    const tensors = [
      { name: 'w', location: 'decoder_model_merged_quantized.onnx_data', offset: 0, length: 64 },
    ];
    writeFileSync(
      join(dir, QWEN_DECODER),
      graphWithExternalData(tensors, [
        {
          op: 'Attention',
          domain: 'com.microsoft',
          name: '/model/layers.0/attn/Attention',
          inputs: ['x', 'w'],
          outputs: ['y'],
        },
      ]),
    );
    expect(await refusal(dir)).toBe(
      `${QWEN_DECODER}: cannot give attention rows: com.microsoft::Attention node "/model/layers.0/attn/Attention" (layer 0): this attention op is not supported`,
    );
    writeFileSync(
      join(dir, QWEN_DECODER),
      graphWithExternalData(tensors, [{ op: 'Identity', name: 'id', inputs: ['x'], outputs: ['y'] }]),
    );
    expect(await refusal(dir)).toMatch(
      new RegExp(`^${QWEN_DECODER}: cannot give attention rows: no attention found`),
    );
  });
});
