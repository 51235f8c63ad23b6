/**
 * The walkthrough's steps, in the method's order, each with the paper's
 * equation it shows (arXiv 2603.27179; the HTML version's anchors).
 */
export const PAPER = 'https://arxiv.org/html/2603.27179';

export interface StepInfo {
  id: 'question' | 'reasoning' | 'relevance' | 'entropy' | 'thresholds' | 'map' | 'consistency';
  title: string;
  /** What of the paper it shows, and where. */
  cite: string;
  href: string;
}

export const STEPS: readonly StepInfo[] = [
  {
    id: 'question',
    title: 'The question and its anomaly words',
    cite: 'section 3, the inputs',
    href: `${PAPER}#S3`,
  },
  {
    id: 'reasoning',
    title: 'The reasoning, streamed',
    cite: 'section 3, the reasoning tokens',
    href: `${PAPER}#S3`,
  },
  {
    id: 'relevance',
    title: 'S_T: attention to the anomaly words',
    cite: 'Eq. 2',
    href: `${PAPER}#S3.E2`,
  },
  {
    id: 'entropy',
    title: 'S_I: how concentrated the attention is',
    cite: 'Eq. 3',
    href: `${PAPER}#S3.E3`,
  },
  {
    id: 'thresholds',
    title: 'Normalisation and thresholds',
    cite: 'section 3 and table 5',
    href: `${PAPER}#S3`,
  },
  {
    id: 'map',
    title: 'The weighted sum: the ReAL map',
    cite: 'Eq. 4 and 5',
    href: `${PAPER}#S3.E4`,
  },
  {
    id: 'consistency',
    title: 'CGRO: do the top tokens agree?',
    cite: 'Eq. 6 to 8',
    href: `${PAPER}#S4.E6`,
  },
];
