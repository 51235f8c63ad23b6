import { useState } from 'react';
import type {
  Component,
  DtypeChoice,
  DtypeChoices,
  ModelSource,
  RepoSummary,
} from '../../workers/inference-api';
import { DTYPES } from '../../workers/hub/dtypes';
import { cancelInspectModel, cancelModelLoad, inspectModel, loadModel } from '../inference-client';
import { useAppStore } from '../store';
import { formatBytes } from './format-bytes';

/** Exports known to work (onnx-community repos that transformers.js runs); suggestions, not a limit. */
export const KNOWN_GOOD_REPOS = [
  'HuggingFaceTB/SmolVLM-256M-Instruct',
  'HuggingFaceTB/SmolVLM-500M-Instruct',
  'onnx-community/Qwen2-VL-2B-Instruct',
  'onnx-community/Qwen2.5-VL-3B-Instruct-ONNX',
  'onnx-community/Qwen3-VL-2B-Instruct-ONNX',
  'onnx-community/Qwen3.5-0.8B-ONNX',
  'onnx-community/gemma-3-4b-it-ONNX',
];

export const DEFAULT_HUB = 'https://huggingface.co';

const COMPONENTS: { key: Component; label: string }[] = [
  { key: 'decoder', label: 'decoder' },
  { key: 'vision', label: 'vision encoder' },
  { key: 'embed', label: 'embeddings' },
];
const CHOICES: DtypeChoice[] = ['auto', ...DTYPES];

/**
 * `?hubTimeoutMs=N`: every network limit of a repo (answer, stall, whole
 * small file) set to N ms instead of 30–60 s (a slow mirror; end-to-end
 * tests keep their waits short with it).
 */
export function timeoutsFromUrl(
  search: string,
): { answerMs: number; stallMs: number; smallFileMs: number } | null {
  const raw = new URLSearchParams(search).get('hubTimeoutMs');
  const n = raw === null ? NaN : Number(raw);
  return Number.isSafeInteger(n) && n >= 1 ? { answerMs: n, stallMs: n, smallFileMs: n } : null;
}

/** "6 of 24 layers have attention" (a hybrid model), or "all 30 layers have attention". */
export function attentionLayersText(layers: readonly number[], total: number): string {
  return layers.length === total
    ? `all ${total} layers have attention`
    : `${layers.length} of ${total} layers have attention (${layers.join(', ')})`;
}

/**
 * A Hugging Face repo as the model: its id (or any base URL), a dtype per
 * component, and, before anything big downloads, what it will fetch and how
 * much; then the download with progress, which can be stopped and resumed.
 */
export function HubRepoForm() {
  const busy = useAppStore((s) => s.model.status === 'loading');
  const [repo, setRepo] = useState('');
  const [base, setBase] = useState(DEFAULT_HUB);
  const [dtypes, setDtypes] = useState<DtypeChoices>({});
  const [summary, setSummary] = useState<{ source: ModelSource; plan: RepoSummary } | null>(null);
  const [checking, setChecking] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const source = (): ModelSource | null => {
    const id = repo.trim();
    if (!id) return null;
    const chosen = Object.fromEntries(Object.entries(dtypes).filter(([, d]) => d && d !== 'auto'));
    const timeouts = timeoutsFromUrl(location.search);
    const extra = timeouts ? { timeouts } : {};
    if (/^https?:\/\//i.test(id)) return { kind: 'repo-url', url: id, dtypes: chosen, ...extra };
    return { kind: 'hub', repo: id, base: base.trim() || DEFAULT_HUB, dtypes: chosen, ...extra };
  };

  const check = async () => {
    const s = source();
    if (!s) return;
    setChecking(true);
    setError(null);
    setSummary(null);
    try {
      setSummary({ source: s, plan: await inspectModel(s) });
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setChecking(false);
    }
  };

  return (
    <form
      className="hub-form"
      data-testid="hub.form"
      onSubmit={(e) => {
        e.preventDefault();
        void check();
      }}
    >
      <label className="row">
        Hugging Face repo{' '}
        <input
          list="hub-known-good"
          placeholder="owner/name or a base URL"
          value={repo}
          onChange={(e) => {
            setRepo(e.target.value);
            setSummary(null);
          }}
          aria-label="Hugging Face repo id"
          data-testid="hub.repo"
        />
      </label>
      <datalist id="hub-known-good">
        {KNOWN_GOOD_REPOS.map((r) => (
          <option key={r} value={r} />
        ))}
      </datalist>
      <details>
        <summary>Hub and dtypes</summary>
        <label className="row">
          Hub base{' '}
          <input
            value={base}
            onChange={(e) => setBase(e.target.value)}
            aria-label="Hub base URL"
            data-testid="hub.base"
          />
        </label>
        {COMPONENTS.map((c) => (
          <label className="row" key={c.key}>
            {c.label}{' '}
            <select
              value={dtypes[c.key] ?? 'auto'}
              onChange={(e) => {
                setDtypes({ ...dtypes, [c.key]: e.target.value as DtypeChoice });
                setSummary(null);
              }}
              aria-label={`dtype of the ${c.label}`}
              data-testid={`hub.dtype.${c.key}`}
            >
              {CHOICES.map((d) => (
                <option key={d} value={d}>
                  {d === 'auto' ? 'default for this browser' : d}
                </option>
              ))}
            </select>
          </label>
        ))}
      </details>
      <div className="row">
        <button disabled={busy || checking || !repo.trim()} data-testid="hub.check">
          {checking ? 'Checking…' : 'Check size'}
        </button>
        {checking && (
          <button type="button" onClick={() => cancelInspectModel()} data-testid="hub.stop-check">
            Stop
          </button>
        )}
        {summary && (
          <button
            type="button"
            disabled={busy}
            onClick={() => void loadModel(summary.source)}
            data-testid="hub.load"
          >
            {summary.plan.toDownload > 0
              ? `Download ${formatBytes(summary.plan.toDownload)} and load`
              : 'Load from the cache'}
          </button>
        )}
        {busy && summary && (
          <button type="button" onClick={() => cancelModelLoad()} data-testid="hub.stop">
            Stop download
          </button>
        )}
      </div>
      {summary && <RepoSummaryView plan={summary.plan} />}
      {error && (
        <p className="error" role="alert" data-testid="hub.error">
          {error}
        </p>
      )}
    </form>
  );
}

function RepoSummaryView({ plan }: { plan: RepoSummary }) {
  return (
    <div className="hub-summary" data-testid="hub.summary">
      <p>
        <strong data-testid="hub.family">{plan.family}</strong>, decoder {plan.dtypes.decoder}, vision{' '}
        {plan.dtypes.vision}, embeddings {plan.dtypes.embed}:{' '}
        <span data-testid="hub.total">{formatBytes(plan.totalBytes)}</span> in {plan.files.length} files
        {plan.toDownload < plan.totalBytes && (
          <> ({formatBytes(plan.totalBytes - plan.toDownload)} already cached)</>
        )}
      </p>
      <p data-testid="hub.plan">
        On {plan.plan.backend === 'webgpu' ? 'WebGPU' : 'WebAssembly'} a run {plan.plan.text}.
        {Object.entries(plan.plan.moved).map(([c, why]) => (
          <span key={c} className="hint" data-testid={`hub.moved.${c}`}>
            {' '}
            {COMPONENTS.find((x) => x.key === c)?.label ?? c}: {plan.dtypes[c as Component]}, as {why}.
          </span>
        ))}
      </p>
      <details>
        <summary>Memory plan</summary>
        <ul className="plan-list" data-testid="hub.plan-parts">
          {COMPONENTS.map((c) => (
            <li key={c.key}>
              {c.label} ({plan.dtypes[c.key]}): {formatBytes(plan.plan.bytes[c.key])}
            </li>
          ))}
          <li>
            KV cache: {formatBytes(plan.plan.bytes.kvCache)} (counted twice: the last step's past and present)
          </li>
          <li>
            prefill: {formatBytes(plan.plan.bytes.prefill)} with {plan.plan.imageTokens} image tokens (at most{' '}
            {plan.plan.maxImageTokens} fit)
          </li>
          {plan.plan.largestTensor && (
            <li>
              largest tensor: {plan.plan.largestTensor.name} ({formatBytes(plan.plan.largestTensor.bytes)})
            </li>
          )}
        </ul>
      </details>
      {plan.attention && (
        <p data-testid="hub.attention">
          {attentionLayersText(plan.attention.layers, plan.attention.numDecoderLayers)}
        </p>
      )}
      <details>
        <summary>Files</summary>
        <ul className="file-list">
          {plan.files.map((f) => (
            <li key={f.path}>
              {f.path}: {formatBytes(f.bytes)}
              {f.cached && ' (cached)'}
            </li>
          ))}
        </ul>
      </details>
    </div>
  );
}
