/**
 * The paper's prompting protocol (real-method.md, "Answers and prompting"):
 * a system prompt for one of three tiers, tier 1 by default, the user
 * question fixed. A model whose chat template opens `<think>` itself is
 * running tier 1 whatever else it was asked.
 */
export type Tier = 1 | 2 | 3;

export const DEFAULT_TIER: Tier = 1;

export const DEFAULT_QUESTION = 'Are there any defects or anomalies in the image?';

export const TIER_SYSTEM_PROMPTS: Readonly<Record<Tier, string>> = {
  1:
    'Reason about the question step by step inside <think> </think> tags, then give the final answer ' +
    'inside <answer> </answer> tags as Yes or No: <think> reasoning </think><answer> Yes </answer> or ' +
    '<think> reasoning </think><answer> No </answer>.',
  2: 'Reason about the question step by step, then end with the final answer: Yes or No.',
  3: 'Answer Yes or No, then give a short justification.',
};

/** The system prompt of a tier; null (no system prompt) for tier "none". */
export function systemPromptFor(tier: Tier | null): string | null {
  return tier === null ? null : TIER_SYSTEM_PROMPTS[tier];
}
