// The one error type of the condition front end: a message (Falco's wording where the spec gives it) and
// the offset in the condition text where the parser stopped.

export class ConditionSyntaxError extends Error {
  /** Offset into the condition text (0-based, UTF-16 code units). */
  readonly offset: number;

  constructor(message: string, offset: number) {
    super(message);
    this.name = 'ConditionSyntaxError';
    this.offset = offset;
  }
}
