import { useState } from 'react';
import { BUILT_IN_MODEL, loadModel, setBackendChoice } from '../inference-client';
import { useAppStore, type BackendChoice } from '../store';
import { HubRepoForm, attentionLayersText } from './HubRepoForm';

const CHOICES: [BackendChoice, string][] = [
  ['auto', 'Automatic'],
  ['webgpu', 'WebGPU'],
  ['wasm', 'WebAssembly'],
];

function progressText(p: NonNullable<ReturnType<typeof useAppStore.getState>['model']['progress']>): string {
  switch (p.status) {
    case 'manifest':
      return 'reading the manifest…';
    case 'download':
      return `${p.file}: ${(p.loaded / 1e6).toFixed(1)} of ${(p.total / 1e6).toFixed(1)} MB`;
    case 'verify':
      return `${p.file}: checking its hash…`;
    case 'done':
      return `${p.file}: ok${p.fromCache ? ' (from cache)' : ''}`;
    case 'patch':
      return `${p.file}: adding attention outputs…`;
    case 'ready':
      return `${p.name}: creating sessions…`;
  }
}

/** The model picker: the built-in model, a package URL, or local files; load progress and errors. */
export function ModelPanel() {
  const model = useAppStore((s) => s.model);
  const [url, setUrl] = useState('');
  const busy = model.status === 'loading';
  const p = model.progress;
  return (
    <section className="panel" data-testid="model.panel">
      <h2>Model</h2>
      {model.info ? (
        <p data-testid="model.name">
          <strong>{model.info.name}</strong> on{' '}
          <span data-testid="model.backend">
            {model.info.backend === 'webgpu' ? 'WebGPU' : 'WebAssembly'}
          </span>
          {model.info.fallbackReason && <span className="hint"> ({model.info.fallbackReason})</span>}
          {model.backendReason && (
            <span className="hint" data-testid="model.backend-reason">
              : {model.backendReason}
            </span>
          )}
          <br />
          <span className="hint" data-testid="model.family">
            {model.info.family};{' '}
            {attentionLayersText(model.info.attentionLayers, model.info.numDecoderLayers)}
          </span>
        </p>
      ) : (
        <p>No model loaded.</p>
      )}
      <fieldset className="row backend-choice" data-testid="model.backend-choice" disabled={busy}>
        <legend>Backend</legend>
        {CHOICES.map(([value, label]) => (
          <label key={value}>
            <input
              type="radio"
              name="backend-choice"
              value={value}
              checked={model.backendChoice === value}
              onChange={() => setBackendChoice(value)}
              data-testid={`model.backend-choice.${value}`}
            />{' '}
            {label}
          </label>
        ))}
      </fieldset>
      <div className="row">
        <button
          disabled={busy}
          onClick={() => void loadModel({ kind: 'url', url: BUILT_IN_MODEL })}
          data-testid="model.load-builtin"
        >
          Built-in demo model
        </button>
      </div>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          if (url.trim()) void loadModel({ kind: 'url', url: url.trim() });
        }}
      >
        <input
          type="url"
          placeholder="https://…/model-package/"
          aria-label="Model package URL"
          value={url}
          onChange={(e) => setUrl(e.target.value)}
          data-testid="model.url"
        />
        <button disabled={busy || !url.trim()} data-testid="model.load-url">
          Load URL
        </button>
      </form>
      <HubRepoForm />
      <label className="row">
        Local folder{' '}
        <input
          type="file"
          multiple
          {...({ webkitdirectory: '' } as object)}
          disabled={busy}
          onChange={(e) =>
            e.target.files?.length && void loadModel({ kind: 'files', files: Array.from(e.target.files) })
          }
          data-testid="model.files"
        />
      </label>
      {busy && (
        <div className="progress" data-testid="model.progress">
          <progress
            value={p?.status === 'download' && p.total ? p.loaded / p.total : undefined}
            aria-label="Loading the model"
          />
          <span>{p ? progressText(p) : 'starting…'}</span>
        </div>
      )}
      {model.error && (
        <p className="error" role="alert" data-testid="model.error">
          {model.error}
        </p>
      )}
    </section>
  );
}
