import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectBounded, measured, real, refused } from '../cli-process';
import { graphWithExternalData } from './repo-fixture';

/**
 * `real inspect-model` on repos that cannot work (issue 19, items 6, 8, 9):
 * exit 2 and one line naming the file, within a bound where the input is
 * big, never JavaScript's text; and the graph's numbers over config.json's
 * claims. Each case is a copy of the Qwen3.5 specimen (graphs only) with one
 * file broken.
 */
const QWEN = join(__dirname, '../../../shared/specimens/onnx-community/qwen3.5-0.8b');
const have = existsSync(QWEN);
if (!have) console.warn(`skipping the broken-repo tests: ${QWEN} is absent`);
const DECODER = 'onnx/decoder_model_merged_quantized.onnx';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function qwen(): string {
  const d = mkdtempSync(join(tmpdir(), 'hub-broken-'));
  dirs.push(d);
  cpSync(QWEN, d, { recursive: true });
  return d;
}

/** A small byte-level BPE tokenizer.json in the layout of the Qwen repos. */
const TOKENIZER = {
  version: '1.0',
  added_tokens: [{ id: 3, content: '<|im_end|>', special: true }],
  normalizer: null,
  pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: true },
  post_processor: null,
  decoder: { type: 'ByteLevel' },
  model: { type: 'BPE', vocab: { a: 0, b: 1, ab: 2 }, merges: ['a b'], unk_token: null },
};
function withTokenizer(t: unknown): string {
  const d = qwen();
  writeFileSync(join(d, 'tokenizer.json'), typeof t === 'string' ? t : JSON.stringify(t));
  return d;
}

describe.skipIf(!have)('inspect-model on broken repos', () => {
  it('reads a good tokenizer.json and builds it', () => {
    const r = real('inspect-model', withTokenizer(TOKENIZER));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).missing).not.toContain('tokenizer.json');
  });

  it.each([
    ['not JSON', '{"model": {"type": "BPE",', /^real: tokenizer\.json: is not JSON \(/],
    [
      '"model": null',
      { ...TOKENIZER, model: null },
      /^real: tokenizer\.json: "model": expected the tokenizer's model \(an object\), got null\n/,
    ],
    [
      'merges that are not a list',
      { ...TOKENIZER, model: { ...TOKENIZER.model, merges: { a: 'b' } } },
      /^real: tokenizer\.json: model\.merges: expected a list of merges, got object\n/,
    ],
    [
      'a decoder the library does not know',
      { ...TOKENIZER, decoder: { type: 'Telepathy' } },
      /^real: tokenizer\.json: cannot be read as a tokenizer \(its decoder: Unknown Decoder type: Telepathy\)\n/,
    ],
    [
      'a pattern that does not compile',
      { ...TOKENIZER, pre_tokenizer: { type: 'Split', pattern: { Regex: '(' }, behavior: 'Isolated' } },
      /^real: tokenizer\.json: cannot be read as a tokenizer \(its pre_tokenizer: a pattern in it is not a valid regular expression\)\n/,
    ],
  ])('exits 2 with one line on a tokenizer.json with %s', (_, t, message) => {
    const r = real('inspect-model', withTokenizer(t));
    refused(r, message);
    expect(r.stderr).not.toMatch(/Cannot read properties|is not a function|undefined/);
  });

  it('exits 2 on an all-zero 100 MB decoder graph, within 2 s of CPU and 300 MB', () => {
    const d = qwen();
    writeFileSync(join(d, DECODER), '');
    truncateSync(join(d, DECODER), 100 * 2 ** 20);
    const m = measured('inspect-model', d);
    expect(m.code).toBe(2);
    expect(m.message).toBe(
      `real: ${DECODER}: is not a readable ONNX graph (not an ONNX model: field number 0 at byte 0: not protobuf)`,
    );
    expectBounded(m, 2000, 300);
  });

  it('exits 2 on a negative external-data offset, naming the graph and the tensor', () => {
    const d = qwen();
    writeFileSync(
      join(d, DECODER),
      graphWithExternalData([
        { name: 'w', location: 'decoder_model_merged_quantized.onnx_data', offset: -64, length: 64 },
      ]),
    );
    refused(
      real('inspect-model', d),
      /^real: onnx\/decoder_model_merged_quantized\.onnx: is not a readable ONNX graph \(tensor "w": external data offset "-64" is not a byte count \(a whole number ≥ 0\)\)\n/,
    );
  });

  it("reports the graph's layer count, not config.json's num_hidden_layers: 1e9", () => {
    const d = qwen();
    const config = JSON.parse(readFileSync(join(d, 'config.json'), 'utf8'));
    config.text_config.num_hidden_layers = 1e9;
    writeFileSync(join(d, 'config.json'), JSON.stringify(config));
    const r = real('inspect-model', d);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.attention.numDecoderLayers).toBe(24);
    expect(out.notes).toEqual([
      `config.json says num_hidden_layers 1000000000; ${DECODER} has 24 layers, and that is what counts`,
    ]);
  });
});
