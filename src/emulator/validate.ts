// Request-member validation with the model constraints of CloudWatch Logs. A JSON value of the wrong type
// is a SerializationException (the service cannot even deserialize it); a value of the right type that
// breaks a constraint is collected, and all of them are reported together in AWS's format.
import { serialization, validationError, type Violation } from './aws-error.js';

export const GROUP_NAME_PATTERN = /^[.\-_/#A-Za-z0-9]+$/;
export const GROUP_NAME_PATTERN_TEXT = '[\\.\\-_/#A-Za-z0-9]+';
export const STREAM_NAME_PATTERN = /^[^:*]*$/;
export const STREAM_NAME_PATTERN_TEXT = '[^:*]*';

interface StringRule {
  required?: boolean;
  min?: number;
  max?: number;
  pattern?: RegExp;
  patternText?: string;
}

export type Body = Record<string, unknown>;

export class Checker {
  private readonly violations: Violation[] = [];
  constructor(private readonly body: Body) {}

  string(member: string, rule: StringRule = {}): string | undefined {
    const v = this.body[member];
    if (v === undefined || v === null) return this.missing(member, rule.required);
    if (typeof v !== 'string') throw serialization(`Expected a string for '${member}'.`);
    this.checkString(member, v, rule);
    return v;
  }

  integer(member: string, rule: { required?: boolean; min?: number; max?: number } = {}): number | undefined {
    const v = this.body[member];
    if (v === undefined || v === null) return this.missing(member, rule.required);
    if (typeof v !== 'number' || !Number.isInteger(v)) throw serialization(`Expected an integer for '${member}'.`);
    if (rule.min !== undefined && v < rule.min) this.add(member, v, `Member must have value greater than or equal to ${rule.min}`);
    if (rule.max !== undefined && v > rule.max) this.add(member, v, `Member must have value less than or equal to ${rule.max}`);
    return v;
  }

  boolean(member: string): boolean | undefined {
    const v = this.body[member];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') throw serialization(`Expected a boolean for '${member}'.`);
    return v;
  }

  stringList(member: string, rule: { min: number; max: number; item: StringRule }): string[] | undefined {
    const v = this.body[member];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) throw serialization(`Expected a list for '${member}'.`);
    if (v.length < rule.min) this.add(member, `[${v.join(', ')}]`, `Member must have length greater than or equal to ${rule.min}`);
    if (v.length > rule.max) this.add(member, `[${v.join(', ')}]`, `Member must have length less than or equal to ${rule.max}`);
    v.forEach((item, i) => {
      if (typeof item !== 'string') throw serialization(`Expected a string in '${member}'.`);
      this.checkString(`${member}.${i + 1}.member`, item, rule.item);
    });
    return v as string[];
  }

  /** A list of structures: the caller validates each item; here only presence and length. */
  list(member: string, rule: { required?: boolean; min: number; max: number }): unknown[] | undefined {
    const v = this.body[member];
    if (v === undefined || v === null) return this.missing(member, rule.required);
    if (!Array.isArray(v)) throw serialization(`Expected a list for '${member}'.`);
    if (v.length < rule.min) this.add(member, '[]', `Member must have length greater than or equal to ${rule.min}`);
    if (v.length > rule.max) this.add(member, `list of ${v.length}`, `Member must have length less than or equal to ${rule.max}`);
    return v;
  }

  add(member: string, value: unknown, constraint: string): void {
    this.violations.push({ member, value, constraint });
  }

  /** Throws the collected violations, if any. */
  done(): void {
    if (this.violations.length) throw validationError(this.violations);
  }

  private checkString(member: string, v: string, rule: StringRule): void {
    if (rule.min !== undefined && v.length < rule.min) this.add(member, v, `Member must have length greater than or equal to ${rule.min}`);
    if (rule.max !== undefined && v.length > rule.max) this.add(member, v, `Member must have length less than or equal to ${rule.max}`);
    if (rule.pattern && v.length > 0 && !rule.pattern.test(v)) this.add(member, v, `Member must satisfy regular expression pattern: ${rule.patternText}`);
  }

  private missing(member: string, required?: boolean): undefined {
    if (required) this.add(member, null, 'Member must not be null');
    return undefined;
  }
}

export const groupNameRule: StringRule = { min: 1, max: 512, pattern: GROUP_NAME_PATTERN, patternText: GROUP_NAME_PATTERN_TEXT };
export const streamNameRule: StringRule = { min: 1, max: 512, pattern: STREAM_NAME_PATTERN, patternText: STREAM_NAME_PATTERN_TEXT };
