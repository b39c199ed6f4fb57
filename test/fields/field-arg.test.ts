// The one field-argument check: what it accepts, Falco's words for what it refuses, and that the condition
// type checker and the extractor (`kawa extract -f`) refuse the same arguments with the same words.
import { describe, expect, it } from 'vitest';
import { checkFieldArg } from '../../src/fields/field-arg.js';
import { findField } from '../../src/fields/registry.js';
import { checkOperandText } from '../../src/condition/typecheck.js';
import { parseFieldSpec } from '../../src/engine/extractor.js';
import { KawaError } from '../../src/core/errors.js';

const check = (name: string, arg?: string) => checkFieldArg(findField(name)!, arg);

describe('checkFieldArg', () => {
  it('accepts what each kind of field takes', () => {
    expect(check('ka.verb')).toEqual({ key: undefined, index: -1n });
    expect(check('ka.uri.param', 'pod')).toEqual({ key: 'pod', index: -1n });
    expect(check('ka.sourceips')).toEqual({ key: undefined, index: -1n });
    expect(check('ka.sourceips', '0')).toEqual({ key: undefined, index: 0n });
    // the plugin reads the index as a signed 64-bit int
    expect(check('ka.sourceips', '18446744073709551615')).toEqual({ key: undefined, index: -1n });
  });

  it.each([
    ['ka.verb', '1', 'field ka.verb does not allow nor require an argument but one is provided: 1'],
    ['ka.uri.param', undefined, 'field ka.uri.param requires an argument but none provided'],
    ['ka.sourceips', 'x1', 'field ka.sourceips has an invalid index argument not composed only by digits: x1'],
    ['ka.sourceips', '01', 'field ka.sourceips has an invalid index argument starting with 0: 01'],
    ['ka.sourceips', '18446744073709551616', 'field ka.sourceips has an invalid index argument larger than 2^64-1: 18446744073709551616'],
  ])('%s[%s] is refused', (name, arg, problem) => {
    expect(check(name, arg)).toEqual({ problem });
    const written = arg === undefined ? name : `${name}[${arg}]`;
    expect(checkOperandText(written)).toBe(`filter ${written}: ${problem}`);
    let thrown: unknown;
    try { parseFieldSpec(written); } catch (e) { thrown = e; }
    expect(thrown).toBeInstanceOf(KawaError);
    expect((thrown as KawaError).code).toBe('KAWA_ERR_FIELD');
    expect((thrown as KawaError).message).toContain(`'${written}': ${problem}`);
  });
});
