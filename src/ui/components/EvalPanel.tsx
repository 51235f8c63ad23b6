import { useRef, useState } from 'react';
import {
  evaluate,
  parseAnswer,
  answerText,
  MAP_MODES,
  MAP_MODE_LABELS,
  type EvalItem,
  type EvalReport,
  type Trace,
} from '../../real';
import { binaryMask, imagePixels } from '../image-pixels';
import { runQuietly } from '../inference-client';
import { loadSamples, SAMPLES_BASE, type Sample } from '../samples';
import { patchRun, patchView, useAppStore } from '../store';

const f = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');

interface Done {
  sample: Sample;
  trace: Trace;
  right: boolean;
}

/**
 * The shipped evaluation set, run in the browser: a gallery with labels, a
 * progress bar, and the `real eval` numbers (image AUROC/AUPR/ACC, pixel
 * AUROC/AUPR for the four maps) computed by the same code as the CLI.
 */
export function EvalPanel() {
  const ready = useAppStore((s) => s.model.status === 'ready');
  const running = useAppStore((s) => s.run.status === 'running');
  const settings = useAppStore((s) => s.view.settings);
  const [done, setDone] = useState<Done[]>([]);
  const [total, setTotal] = useState(0);
  const [busy, setBusy] = useState(false);
  const [report, setReport] = useState<EvalReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const signal = useRef({ aborted: false });

  const start = async () => {
    // ?evalLimit=N runs the first N only (tests).
    const limit = Number(new URLSearchParams(location.search).get('evalLimit')) || Infinity;
    const samples = (await loadSamples()).slice(0, limit);
    signal.current = { aborted: false };
    setBusy(true);
    setDone([]);
    setReport(null);
    setError(null);
    setTotal(samples.length);
    const items: EvalItem[] = [];
    try {
      for (const s of samples) {
        if (signal.current.aborted) break;
        const blob = await (await fetch(SAMPLES_BASE + s.image)).blob();
        const trace = await runQuietly({ kind: 'blob', blob, name: s.id }, signal.current);
        if (!trace) break;
        trace.label = s.label;
        const px = await imagePixels(SAMPLES_BASE + (s.mask ?? s.image));
        items.push({
          trace,
          label: s.label,
          width: px.width,
          height: px.height,
          mask: s.mask ? binaryMask(px) : null,
        });
        const right = parseAnswer(answerText(trace)) === s.label;
        setDone((d) => [...d, { sample: s, trace, right }]);
      }
      if (items.length > 0) setReport(evaluate(items, settings));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const open = (d: Done) => {
    patchView({ selected: null, hovered: null });
    patchRun({
      status: 'done',
      trace: d.trace,
      imageUrl: SAMPLES_BASE + d.sample.image,
      maskUrl: d.sample.mask ? SAMPLES_BASE + d.sample.mask : null,
      imageName: d.sample.id,
      error: null,
      version: useAppStore.getState().run.version + 1,
    });
  };

  return (
    <section className="panel" data-testid="eval">
      <h2>Evaluation set</h2>
      <div className="row">
        <button disabled={!ready || running || busy} onClick={() => void start()} data-testid="eval.start">
          Evaluate the shipped set
        </button>
        {busy && (
          <button onClick={() => (signal.current.aborted = true)} data-testid="eval.stop">
            Stop
          </button>
        )}
      </div>
      {(busy || done.length > 0) && (
        <div className="progress">
          <progress
            value={done.length}
            max={total || undefined}
            aria-label="Images evaluated"
            data-testid="eval.progress"
          />
          <span>
            {done.length} of {total} images
          </span>
        </div>
      )}
      {report && (
        <table className="scores" data-testid="eval.report">
          <tbody>
            <tr>
              <th>image AUROC / AUPR / ACC</th>
              <td colSpan={2} data-testid="eval.image">
                {f(report.image.auroc)} / {f(report.image.aupr)} / {f(report.image.acc)}
              </td>
            </tr>
            <tr>
              <th>pixel map</th>
              <th>AUROC</th>
              <th>AUPR</th>
            </tr>
            {MAP_MODES.map((m) => (
              <tr key={m}>
                <th>{MAP_MODE_LABELS[m]}</th>
                <td data-testid={`eval.pixel.${m}`}>{f(report.pixel[m].all.auroc)}</td>
                <td>{f(report.pixel[m].all.aupr)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {error && <p className="error">{error}</p>}
      <div className="gallery">
        {done.map((d) => (
          <button
            key={d.sample.id}
            className={`sample ${d.sample.label ? 'defective' : 'normal'}`}
            onClick={() => open(d)}
            title={d.sample.id}
            aria-label={`${d.sample.id}, ${d.sample.label ? 'defective' : 'normal'}: answered ${d.right ? 'right' : 'wrong'}`}
          >
            <img src={SAMPLES_BASE + d.sample.image} alt={d.sample.id} width={40} height={40} />
            <span className={d.right ? 'mark-right' : 'mark-wrong'}>{d.right ? '✓' : '✗'}</span>
          </button>
        ))}
      </div>
    </section>
  );
}
