import { MAP_MODES, MAP_MODE_LABELS, type EvalReport } from '../real';

const f = (x: number) => (Number.isNaN(x) ? '  n/a' : x.toFixed(3));

/** The evaluation as a plain-text table, for people; the JSON is for programs. */
export function formatReport(r: EvalReport): string {
  const lines = [
    `${r.images} images (${r.anomalous} anomalous)`,
    `image  AUROC ${f(r.image.auroc)}  AUPR ${f(r.image.aupr)}  F1-max ${f(r.image.f1Max)}  ACC ${f(r.image.acc)}  (score: P(yes))`,
    ...(r.image.missingAnswerProbability
      ? [
          `       ${r.image.missingAnswerProbability} answers never reached <answer>, so have no P(yes): image AUROC/AUPR undefined`,
        ]
      : []),
    '',
    'pixel map              AUROC   AUPR   | anomalous only: AUROC   AUPR',
  ];
  for (const m of MAP_MODES) {
    const p = r.pixel[m];
    lines.push(
      `${MAP_MODE_LABELS[m].padEnd(22)} ${f(p.all.auroc)}  ${f(p.all.aupr)}  |                 ${f(p.anomalous.auroc)}  ${f(p.anomalous.aupr)}`,
    );
  }
  return lines.join('\n');
}
