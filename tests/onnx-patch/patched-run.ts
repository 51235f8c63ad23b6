/**
 * The check every structure's test makes: the generated decoder, patched,
 * runs a prefill and decode steps beside the unpatched graph and a debug
 * variant (which outputs what the references need), all on the same inputs.
 * The original outputs must be bitwise equal; the new rows are returned with
 * each step for the structure's own references.
 */
import { expect } from 'vitest';
import { nodeOrt } from '../../src/cli/node-ort';
import { patchDecoder, type PatchResult } from '../../src/workers/onnx';
import { tinyDecoder, type DecoderSpec } from '../onnx/tiny-decoders';
import {
  firstDifference,
  openSession,
  runSequence,
  type Outputs,
  type RunPlan,
  type Step,
} from './decoder-run';
import { values } from './reference-rows';

export interface PatchedRun {
  patch: PatchResult;
  steps: Step[];
}

export const PLAN: RunPlan = { batch: 2, prompt: 5, steps: 3, seed: 5 };

export async function runPatched(spec: DecoderSpec, plan: RunPlan = PLAN): Promise<PatchedRun> {
  const ort = await nodeOrt();
  const plain = tinyDecoder(spec);
  const patch = patchDecoder(plain);
  const sessions = await Promise.all(
    [plain, patch.bytes, tinyDecoder({ ...spec, debug: true })].map((b) => openSession(ort, b)),
  );
  try {
    const steps = await runSequence(ort, spec, sessions, plan);
    for (const { outputs } of steps) {
      for (const name of sessions[0].outputNames) {
        expect(
          firstDifference(outputs[0][name], outputs[1][name]),
          `${name} differs from the unpatched graph's`,
        ).toBe(-1);
      }
      for (const name of patch.outputs) {
        expect(outputs[1][name].type).toBe('float32');
        expect(outputs[1][name].dims).toEqual([plan.batch, outputs[0]['present.0.key'].dims[2]]);
      }
    }
    return { patch, steps };
  } finally {
    await Promise.all(sessions.map((s) => s.release()));
  }
}

/** The patched graph's rows for layer output `name` at a step. */
export const rowsOf = (o: Outputs[], name: string): Float64Array => values(o[1][name]);
/** A debug output of the reference graph. */
export const debugOf = (o: Outputs[], name: string): Float64Array => values(o[2][name]);
