// The first error of a rules load, thrown from wherever it is found (reader, collector, compiler) and caught
// once per file by load.ts: Falco stops reading and compiling at the first error, and so does kawa.
import type { Code, Location, Problem } from '../core/errors.js';

export class LoadFailure extends Error {
  readonly problem: Problem;
  /** The rules file the failure makes Invalid when its place is in another file (a line of an IP list's file). */
  rulesFile?: string;
  constructor(code: Code, message: string, location: Location) {
    super(message);
    this.name = 'LoadFailure';
    this.problem = { code, message, ...location };
  }
}
