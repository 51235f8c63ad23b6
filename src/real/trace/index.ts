/**
 * The saved-run formats (shared/spec/trace-format.md, docs/trace-binary.md):
 * the trace's types, the JSON and binary readers and writers, the limits a
 * reader holds a file to, and the views of a version-2 trace.
 */
export * from './types';
export * from './read';
export * from './write';
export * from './binary';
export * from './limits';
export * from './views';
export * from './float16';
