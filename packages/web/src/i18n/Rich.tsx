/** A message with markup: `<b>…</b>` in the catalogue becomes <strong>, the placeholders are filled. */
import { Children, type ReactNode } from 'react';
import { type MessageId, tNodes } from './t.js';

export function Rich({ id, values }: { id: MessageId; values: Record<string, ReactNode> }) {
  const parts = tNodes(id, { ...values, b: (chunks: ReactNode[]) => <strong>{chunks}</strong> });
  return <>{Children.toArray(parts)}</>;
}
