import { useMemo } from 'react';
import { entropyWorking } from '../../../real';
import { MapCanvas } from '../MapCanvas';
import { ComponentGrid } from './ComponentGrid';
import { Num } from './Num';
import { TokenChooser } from './TokenChooser';
import { tokenText } from '../../token-words';
import type { Explained } from './use-explained';

const ROWS_SHOWN = 12;

/** Step 4: S_I (Eq. 3) of the chosen token worked out: binarise at the mean, 8-connected components, their masses, the entropy. */
export function StepEntropy({ ex }: { ex: Explained }) {
  const { trace, prepared, chosen, r } = ex;
  const map = r >= 0 ? prepared.maps[r] : null;
  const w = useMemo(() => (map ? entropyWorking(map, prepared.rows, prepared.cols) : null), [map, prepared]);
  if (chosen === null || !map || !w) return <p>This run has no reasoning token to work on.</p>;
  const rest = w.components.slice(ROWS_SHOWN);
  return (
    <div className="step-two">
      <div className="figures">
        <figure>
          <MapCanvas map={map} size={240} testId="explain.token-map" />
          <figcaption>its attention over the image</figcaption>
        </figure>
        <figure>
          <ComponentGrid working={w} />
          <figcaption>
            cells above the mean <Num value={w.mean} testId="explain.mean" />, by component
          </figcaption>
        </figure>
      </div>
      <div>
        <TokenChooser ex={ex} />
        <p>
          “{tokenText(trace, chosen)}”: {w.on.filter(Boolean).length} of {w.on.length} cells are above the
          mean, in <strong data-testid="explain.component-count">{w.components.length}</strong> 8-connected
          component{w.components.length === 1 ? '' : 's'}. P(C_i) is a component&apos;s attention mass over
          the mass in all of them.
        </p>
        {w.flat ? (
          <p data-testid="explain.flat">
            No cell is above the mean (a flat map): S_I = ln({w.rows}·{w.cols}), the most diffuse value.
          </p>
        ) : (
          <table className="working" data-testid="explain.entropy-terms">
            <thead>
              <tr>
                <th scope="col">component</th>
                <th scope="col">cells</th>
                <th scope="col">mass</th>
                <th scope="col">P(C_i)</th>
                <th scope="col">−P ln P</th>
              </tr>
            </thead>
            <tbody>
              {w.components.slice(0, ROWS_SHOWN).map((c, k) => (
                <tr key={c.label} data-testid="explain.component">
                  <td>{k + 1}</td>
                  <td>{c.cells}</td>
                  <td>
                    <Num value={c.mass} />
                  </td>
                  <td>
                    <Num value={c.p} />
                  </td>
                  <td>
                    <Num value={c.term} />
                  </td>
                </tr>
              ))}
              {rest.length > 0 && (
                <tr>
                  <td colSpan={4}>and {rest.length} smaller components</td>
                  <td>
                    <Num value={rest.reduce((a, c) => a + c.term, 0)} />
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        )}
        <p className="result">
          S_I = −Σ P(C_i) ln P(C_i) = <Num value={prepared.sI[r]} testId="explain.sI" />
          {w.components.length === 1 && ' (one component: all its mass in one place, the lowest entropy)'}
        </p>
      </div>
    </div>
  );
}
