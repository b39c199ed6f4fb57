// AWS JSON 1.1 errors as values: the `__type` code decides the SDK's retry class, the HTTP status its
// fault class, so both must match what AWS sends (wire.md §3).

export class AwsError extends Error {
  constructor(readonly type: string, message: string, readonly status = 400, readonly headers: Record<string, string> = {}) {
    super(message);
    this.name = type;
  }
}

export const invalidParameter = (message: string) => new AwsError('InvalidParameterException', message);
export const groupNotFound = () => new AwsError('ResourceNotFoundException', 'The specified log group does not exist.');
export const streamNotFound = () => new AwsError('ResourceNotFoundException', 'The specified log stream does not exist.');
export const serialization = (message: string) => new AwsError('SerializationException', message);

/** One failed constraint in AWS's "N validation error(s) detected" message format. */
export interface Violation {
  member: string;
  value: unknown;
  constraint: string;
}

export function validationError(violations: Violation[]): AwsError {
  const n = violations.length;
  const parts = violations.map((v) => `Value ${v.value === undefined || v.value === null ? 'null' : `'${String(v.value)}'`} at '${v.member}' failed to satisfy constraint: ${v.constraint}`);
  return invalidParameter(`${n} validation error${n === 1 ? '' : 's'} detected: ${parts.join('; ')}`);
}
