// Hostile and faulty line framing (issue 15, items 1 and 3): a cut first line, a broken first document,
// CR-only line endings. Framing recovers at the next line or document and counts exactly one bad payload;
// well-formed documents still frame as one payload each.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { auditId, evaluate, file, matchAll, read, SAMPLES, sampleOfLength } from './helpers.js';

const EVENT = sampleOfLength(937);
const NEXT = SAMPLES.filter((s) => s !== EVENT).slice(0, 3);
const texts = (r: { payloads: { text: string }[] }) => r.payloads.map((p) => p.text.trim());
const pretty = (e: string, indent: number | string = 2) => JSON.stringify(JSON.parse(e), null, indent);

describe('a cut first line', () => {
  it('every cut point of a real event: exactly one bad payload, every following event evaluated', async () => {
    const engine = matchAll();
    const want = NEXT.map(auditId);
    let ok = 0;
    const failures: string[] = [];
    // one input per cut point: k bytes of the event, then three valid events
    for (let k = 1; k < EVENT.length; k++) {
      const cut = EVENT.slice(0, k);
      const r = await read([file(`${cut}\n${NEXT.join('\n')}\n`)]);
      const got = texts(r);
      const evaluated = evaluate(engine, got);
      const good = got.length === 4 && got[0] === cut.trim() && r.tooLarge.length === 0
        && evaluated.rejected.length === 1 && evaluated.rejected[0] === 0
        && JSON.stringify(evaluated.matched) === JSON.stringify(want);
      if (good) ok++;
      else if (failures.length < 5) failures.push(`cut at ${k}: ${got.length} payloads, ${r.tooLarge.length} too large, rejected ${JSON.stringify(evaluated.rejected)}, matched ${evaluated.matched.length}`);
    }
    expect(failures).toEqual([]);
    expect(ok).toBe(EVENT.length - 1);
  }, 20_000);

  it('the issue\'s case: `{"kind":"Event",` then 10,000 valid events, from a file and from stdin', async () => {
    const events = Array.from({ length: 10_000 }, (_, i) => SAMPLES[i % SAMPLES.length]!);
    const text = `{"kind":"Event",\n${events.join('\n')}\n`;
    for (const r of [await read([file(text)]), await read(['-'], { stdin: Readable.from([Buffer.from(text)]) })]) {
      expect(r.tooLarge).toEqual([]);
      expect(r.payloads.length).toBe(10_001);
      expect(r.payloads[0]!.text.trim()).toBe('{"kind":"Event",');
      expect(r.payloads[0]!.line).toBe(1);
      expect(r.payloads[10_000]).toMatchObject({ line: 10_001 });
    }
  });

  it('a cut line in the middle of a pretty-printed file: one bad payload, the next document read', async () => {
    const docs = NEXT.map((e) => pretty(e));
    const r = await read([file(`${docs[0]}\n${EVENT.slice(0, 400)}\n${docs[1]}\n${docs[2]}\n`)]);
    expect(texts(r)).toEqual([docs[0], EVENT.slice(0, 400), docs[1], docs[2]]);
  });

  it('a cut element of a top-level array: one bad payload, the next elements read', async () => {
    const r = await read([file(`[\n${NEXT[0]},\n${EVENT.slice(0, 500)}\n${NEXT[1]},\n${NEXT[2]}\n]\n`)]);
    expect(texts(r)).toEqual([NEXT[0], EVENT.slice(0, 500), NEXT[1], NEXT[2]]);
    expect(r.damaged).toEqual([]);
  });

  it('a top-level array the input ends inside: its elements read, and the missing ] said as damage', async () => {
    // cut between two elements (nothing else would tell), and inside an element (also one bad payload)
    // [input, its payloads, the line of its '[', its last line (where the damage is placed)]
    for (const [text, payloads, opened, last] of [
      [`[\n${NEXT[0]},\n${NEXT[1]},\n`, [NEXT[0], NEXT[1]], 1, 3],
      [`\n[\n${NEXT[0]},\n${EVENT.slice(0, 500)}\n`, [NEXT[0], EVENT.slice(0, 500)], 2, 4],
    ] as const) {
      const path = file(text);
      const r = await read([path]);
      expect(texts(r)).toEqual(payloads);
      expect(r.damaged).toEqual([{ file: path, line: last, code: 'KAWA_ERR_INPUT_DAMAGED',
        message: `the JSON array opened at line ${opened} has no closing ']': the input ends inside it (cut short?)` }]);
    }
  });
});

describe('a broken pretty-printed first document', () => {
  const doc = pretty(EVENT);
  const [a, b, c] = NEXT.map((e) => pretty(e));

  it('a closing bracket missing: the document is one bad payload, the documents after it are read', async () => {
    // `"objectRef": {...}` loses its closing brace
    const broken = doc.replace(/("apiVersion": "v1"\n)  \},/, '$1  ,');
    expect(broken).not.toBe(doc);
    const r = await read([file(`${broken}\n${a}\n${b}\n${NEXT[2]}\n`)]);
    expect(texts(r)).toEqual([broken, a, b, NEXT[2]]);
    const e = evaluate(matchAll(), texts(r));
    expect(e.rejected).toEqual([0]);
    expect(e.matched).toEqual(NEXT.map(auditId));
  });

  it('an opening bracket too many: the same', async () => {
    const broken = doc.replace('"objectRef": {', '"objectRef": {{');
    const r = await read([file(`${broken}\n${a}\n${b}\n${c}\n`)]);
    expect(texts(r)).toEqual([broken, a, b, c]);
  });

  it('followed by JSON lines: the same', async () => {
    const broken = doc.replace(/\n\}$/, '');
    const r = await read([file(`${broken}\n${NEXT.join('\n')}\n`)]);
    expect(texts(r)).toEqual([broken, ...NEXT]);
  });
});

describe('bounded work on hostile framing', () => {
  it('100,000 lines that each open a value inside the last: each line is read again at most once', async () => {
    // every line is a fresh start and a valid value after the line before's ':', so the document breaks only
    // at the end of the input; reading again from every fresh line would be quadratic
    const r = await read([file('{"a":\n'.repeat(100_000))]);
    expect(r.payloads.map((p) => p.line)).toEqual([1, 2]);
    expect(r.tooLarge).toEqual([]);
  });

  it('a document over the size limit is one too-large report, and the lines after it are read', async () => {
    const big = `{\n${'  "k": "v",\n'.repeat(2000)}  "end": 1\n}`;
    const r = await read([file(`${big}\n${NEXT[0]}\n`)], { maxDocumentBytes: 10_000 });
    expect(r.tooLarge).toEqual([{ file: expect.any(String), line: 1, length: big.length + 1 }]);
    expect(texts(r)).toEqual([NEXT[0]]);
  });
});

describe('well-formed documents still frame as one payload each', () => {
  it('indented, unindented (indent 0) and tab-indented documents, mixed with JSON lines', async () => {
    const docs = [pretty(NEXT[0]!, 2), pretty(NEXT[1]!, 1).replace(/^ +/gm, ''), pretty(NEXT[2]!, '\t'), EVENT];
    // indent 0 as Python's json.dumps(indent=0) writes it: every line at column 0
    expect(docs[1]!.split('\n').length).toBeGreaterThan(10);
    const r = await read([file(`${docs.join('\n')}\n`)]);
    expect(texts(r)).toEqual(docs);
    expect(evaluate(matchAll(), texts(r)).matched).toEqual([...NEXT, EVENT].map(auditId));
  });

  it('an unindented document whose arrays hold one-line objects at column 0', async () => {
    const doc = '{\n"kind": "EventList",\n"items": [\n' + NEXT.join(',\n') + '\n]\n}';
    const r = await read([file(`${doc}\n${doc}\n`)]);
    expect(texts(r)).toEqual([doc, doc]);
  });
});

describe('line endings', () => {
  it('CR-only line endings are lines', async () => {
    const r = await read([file(`${NEXT.join('\r')}\r`)]);
    expect(texts(r)).toEqual(NEXT);
    expect(r.payloads.map((p) => p.line)).toEqual([1, 2, 3]);
  });

  it('CR, LF and CRLF mixed, blank lines counted, across read chunks', async () => {
    const text = `${NEXT[0]}\r\n\r\n${NEXT[1]}\r\r${NEXT[2]}\n\n${EVENT}`;
    const r = await read(['-'], { stdin: Readable.from(Buffer.from(text).reduce<Buffer[]>((parts, _b, i, all) => (i % 97 === 0 ? [...parts, Buffer.from(all.subarray(i, i + 97))] : parts), [])) });
    expect(texts(r)).toEqual([...NEXT, EVENT]);
    expect(r.payloads.map((p) => p.line)).toEqual([1, 3, 5, 7]);
  });

  it('a pretty-printed document with CR-only line endings is one payload', async () => {
    const doc = pretty(EVENT).replace(/\n/g, '\r');
    const r = await read([file(`${doc}\r${doc}\r`)]);
    expect(r.payloads.length).toBe(2);
    expect(JSON.parse(r.payloads[0]!.text)).toEqual(JSON.parse(EVENT));
  });
});
