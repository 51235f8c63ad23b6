/**
 * What the loader needs from a graph before its weights: which external
 * data files it names and how many bytes it reads from each (P1's reader:
 * metadata only, no weight bytes decoded or copied).
 */
import type { ExternalDataFile } from '../onnx';
import { externalDataFiles, readGraph } from '../onnx';
import { HubError, messageOf } from './hub-error';

/** A graph's external data: location exactly as written, and max(offset + length) over its tensors. */
export type ExternalDataReader = (graph: Uint8Array, file: string) => ExternalDataFile[];

export const graphExternalData: ExternalDataReader = (bytes, file) => {
  try {
    return externalDataFiles(readGraph(bytes));
  } catch (e) {
    throw new HubError(file, `is not a readable ONNX graph (${messageOf(e)})`, { cause: e });
  }
};
