import { DEFAULT_TIER, systemPromptFor, type Tier } from '../../real/prompting';
import { ChatTemplate, ChatTemplateError } from './chat-template';
import { isObject, tokenString, type Json } from './config-read';

/**
 * The prompt of one run through the repo's chat template: the tier's system
 * prompt (real-method.md, last section; none for tier "none"), one user
 * message with the image and the question, the generation prompt. Tier 1
 * asks a template that has a thinking switch (`enable_thinking`) to think; a
 * template whose generation prompt leaves `<think>` open is the model's own
 * thinking mode and counts as tier 1.
 */
export interface RenderedPrompt {
  text: string;
  system: string | null;
  tier: Tier | null;
  thinking: boolean;
}

/** The template context transformers gives a chat template: the tokenizer's special token strings. */
export function specialTokenVars(tokenizerConfig: Json | undefined): Record<string, string> {
  const vars: Record<string, string> = {};
  if (!isObject(tokenizerConfig)) return vars;
  for (const [k, v] of Object.entries(tokenizerConfig)) {
    if (!k.endsWith('_token')) continue;
    const s = tokenString(v);
    if (s !== undefined) vars[k] = s;
  }
  return vars;
}

function count(text: string, part: string): number {
  let n = 0;
  for (let i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + part.length)) n++;
  return n;
}

/** Whether the text after the question leaves a `<think>` open (the template starts the model thinking). */
function opensThink(text: string, question: string): boolean {
  // Templates may trim the question; find it as they print it.
  const q = question.trim();
  const at = text.lastIndexOf(q);
  const tail = at < 0 ? text : text.slice(at + q.length);
  return tail.lastIndexOf('<think>') > tail.lastIndexOf('</think>');
}

export function renderPrompt(
  template: ChatTemplate,
  vars: Record<string, unknown>,
  question: string,
  requested: Tier | null | undefined,
  slot: string,
): RenderedPrompt {
  const tier = requested === undefined ? DEFAULT_TIER : requested;
  const system = systemPromptFor(tier);
  const user = { role: 'user', content: [{ type: 'image' }, { type: 'text', text: question }] };
  const thinkingSwitch = tier === null ? {} : { enable_thinking: tier === 1 };
  const render = (systemContent: unknown) =>
    template.render({
      ...vars,
      ...thinkingSwitch,
      messages: system === null ? [user] : [{ role: 'system', content: systemContent }, user],
      add_generation_prompt: true,
    });
  let text: string;
  if (system === null) text = render(null);
  else {
    // Templates read a system message as a string or as a list of parts (SmolVLM's); a template that
    // cannot read the string form fails on it or leaves the text out. The list form comes second because
    // a string-only template would print the list itself, which also contains the text.
    let asString: string | null;
    try {
      asString = render(system);
    } catch {
      asString = null;
    }
    text = asString?.includes(system) ? asString : render([{ type: 'text', text: system }]);
    if (!text.includes(system))
      throw new ChatTemplateError(
        'the chat template drops the system prompt, so the prompting tiers cannot be used; use --tier none',
      );
  }
  const slots = count(text, slot);
  if (slots !== 1) {
    throw new ChatTemplateError(
      slots === 0
        ? `the chat template renders no image slot (${slot}) for a message with an image; this repo's template cannot take an image`
        : `the prompt has ${slots} image slots (${slot}), this model takes exactly one image; the question must not contain ${slot}`,
    );
  }
  const thinking = opensThink(text, question);
  return { text, system, tier: thinking ? 1 : tier, thinking };
}
