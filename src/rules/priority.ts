// Falco priority names: matched case-insensitively against the long names, plus the alias `info`.
import { PRIORITIES, type Priority } from './types.js';

export function parsePriority(text: string): Priority | undefined {
  const lower = text.toLowerCase();
  if (lower === 'info') return 'Informational';
  return PRIORITIES.find((p) => p.toLowerCase() === lower);
}

/** Falco's priority number: 0 (Emergency, most severe) to 7 (Debug). */
export function priorityNumber(p: Priority): number {
  return PRIORITIES.indexOf(p);
}
