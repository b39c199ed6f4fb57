// A baseline of bench/process.mjs for gzip inputs, as a whole process of its own: the file through Node's
// zlib gunzip stream (1 MiB chunks), the output counted and dropped. What inflating alone costs.
//
//   node bench/inflate-only.mjs FILE.gz      prints: bytes inflated
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';

let bytes = 0;
createReadStream(process.argv[2], { highWaterMark: 1 << 20 })
  .pipe(createGunzip({ chunkSize: 1 << 20 }))
  .on('data', (c) => (bytes += c.length))
  .on('end', () => console.log(bytes));
