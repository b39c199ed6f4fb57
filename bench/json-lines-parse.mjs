// The baseline of bench/process.mjs, as a whole process of its own: JSON.parse of every line of a JSON-lines
// file, read in large chunks and split on '\n' (each line decoded to a string, then parsed). Lines that are
// not JSON (CloudWatch cut them) are counted: JSON.parse pays up to the cut, then throws.
//
//   node bench/json-lines-parse.mjs FILE      prints: lines parsed failed
import { closeSync, openSync, readSync } from 'node:fs';

const CHUNK = 16 << 20;
const fd = openSync(process.argv[2], 'r');
let buf = Buffer.allocUnsafe(CHUNK);
let have = 0;
let lines = 0, parsed = 0, failed = 0;
const parse = (end, start) => {
  if (end <= start) return;
  lines++;
  try {
    if (JSON.parse(buf.toString('utf8', start, end))) parsed++;
  } catch {
    failed++;
  }
};
for (;;) {
  if (have === buf.length) {
    // a line longer than the buffer
    const grown = Buffer.allocUnsafe(buf.length * 2);
    buf.copy(grown, 0, 0, have);
    buf = grown;
  }
  const n = readSync(fd, buf, have, buf.length - have, null);
  const end = have + n;
  let start = 0;
  for (let nl = buf.indexOf(10, 0); nl >= 0 && nl < end; nl = buf.indexOf(10, start)) {
    parse(nl, start);
    start = nl + 1;
  }
  if (n === 0) {
    parse(end, start);
    break;
  }
  // the partial last line moves to the front
  buf.copy(buf, 0, start, end);
  have = end - start;
}
closeSync(fd);
console.log(`${lines} ${parsed} ${failed}`);
