// The release module's exports (wasm/engine.wasm): exactly what src/ calls, src/engine/engine.ts (program
// load, batch evaluation, result records) and src/engine/extractor.ts (field extraction). Entry points only
// tests call are exported by the test build (assembly/test-exports.ts, wasm/engine.test.wasm).
export { inputReserve, valuesMark, valuePtr, valueLen } from './memory';
export { loadProgram } from './program';
export { evaluateBatch, lastBatchTruncated, lastBatchWithoutAuditId } from './vm-batch';
export { outputPtr, outTop } from './vm-output';
export { extractField } from './extract';
export { beginLine } from './export-line';
export { contextArea, contextBytes } from './context';
export { templatesReserve, useTemplates, renderLines, linesBytes, linesEnds, linesUsed } from './render';
