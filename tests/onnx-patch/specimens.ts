/** The onnx-community graph specimens in ../shared (test data, never copied into the project). */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SPECIMENS = fileURLToPath(new URL('../../../shared/specimens/onnx-community/', import.meta.url));
export const HAVE_SPECIMENS = existsSync(SPECIMENS);
if (!HAVE_SPECIMENS) console.log(`skipping specimen tests: ${SPECIMENS} is absent`);

export interface SpecimenGraph {
  model: string;
  file: string;
  bytes: Uint8Array;
  /** This graph's entry in the model's graphs.json. */
  facts: {
    inputs: { name: string; dtype: string; shape: (number | string)[] }[];
    outputs: { name: string; dtype: string; shape: (number | string)[] }[];
    external_data: { location: string; total_bytes: number }[];
    initializers: { inline: number; external: number };
    nodes_top_level: number;
    attention_nodes?: { layer: number; name: string; attributes: Record<string, number> }[];
  };
}

export function specimenGraphs(): SpecimenGraph[] {
  if (!HAVE_SPECIMENS) return [];
  const out: SpecimenGraph[] = [];
  for (const model of readdirSync(SPECIMENS).sort()) {
    const facts = JSON.parse(readFileSync(`${SPECIMENS}${model}/graphs.json`, 'utf8'))
      .graphs as (SpecimenGraph['facts'] & {
      file: string;
    })[];
    for (const f of facts)
      out.push({
        model,
        file: f.file,
        bytes: new Uint8Array(readFileSync(`${SPECIMENS}${model}/${f.file}`)),
        facts: f,
      });
  }
  return out;
}
