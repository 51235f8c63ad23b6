import { selectToken } from '../../store';
import { tokenText } from '../../token-words';
import type { Explained } from './use-explained';

/** Which reasoning token the step works on: the app's selected token, so the token strip chooses it too. */
export function TokenChooser({ ex }: { ex: Explained }) {
  return (
    <label className="chooser">
      Token{' '}
      <select
        value={ex.chosen ?? ''}
        onChange={(e) => selectToken(Number(e.target.value))}
        data-testid="explain.token"
      >
        {ex.prepared.reasoning.map((i, r) => (
          <option key={i} value={i}>
            {i}: “{tokenText(ex.trace, i)}”{ex.score.tokens[r].selected ? ' (kept)' : ''}
          </option>
        ))}
      </select>
    </label>
  );
}
