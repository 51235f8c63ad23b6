import { csvFormat } from 'd3';
import { download } from '../download';
import { useAppStore } from '../store';
import { useScore } from '../use-scores';

/** The current view as PNG, the per-token scores as CSV, and the scoring result as JSON. */
export function ExportButtons() {
  const trace = useAppStore((s) => s.run.trace);
  const name = useAppStore((s) => s.run.imageName) ?? 'run';
  const settings = useAppStore((s) => s.view.settings);
  const score = useScore();
  if (!trace || !score) return null;
  const png = () => {
    const canvas = document.querySelector<HTMLCanvasElement>('[data-testid="attention.canvas"]');
    canvas?.toBlob((b) => b && download(`${name}.png`, b), 'image/png');
  };
  const csv = () => {
    const rows = score.tokens.map((t) => ({
      index: t.index,
      position: trace.generated[t.index].position,
      text: trace.generated[t.index].text,
      sT: t.sT,
      sI: t.sI,
      sTNorm: t.sTNorm,
      sINorm: t.sINorm,
      selected: t.selected,
      weight: t.weight,
    }));
    download(`${name}.scores.csv`, new Blob([csvFormat(rows)], { type: 'text/csv' }));
  };
  const json = () => {
    const out = {
      settings,
      reasoning: score.reasoning,
      tokens: score.tokens,
      tauT: score.tauT,
      tauI: score.tauI,
      map: Array.from(score.map),
      consistency: { topK: score.consistency.topK, jaccard: score.consistency.jaccard },
    };
    download(`${name}.scores.json`, new Blob([JSON.stringify(out, null, 2)], { type: 'application/json' }));
  };
  return (
    <div className="row">
      Export:
      <button onClick={png} data-testid="export.png">
        PNG of the view
      </button>
      <button onClick={csv} data-testid="export.csv">
        scores CSV
      </button>
      <button onClick={json} data-testid="export.json">
        scores JSON
      </button>
    </div>
  );
}
