/** A decoder whose attention the patcher cannot reproduce exactly: one line naming op, node and layer. */
export class UnpatchableError extends Error {
  override name = 'UnpatchableError';
}

export function refuse(op: string, node: string, layer: number | null, why: string): never {
  const where = layer === null ? '' : ` (layer ${layer})`;
  throw new UnpatchableError(`${op} node "${node}"${where}: ${why}`);
}

/** `com.microsoft::GroupQueryAttention`, or a plain op name for the default domain. */
export function opName(op: string, domain: string): string {
  return domain && domain !== 'ai.onnx' ? `${domain}::${op}` : op;
}
