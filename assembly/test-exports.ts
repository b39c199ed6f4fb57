// The test build's exports (wasm/engine.test.wasm, `asc --target test`): the release exports plus entry
// points that only tests call, so that the release module carries no test hooks.
//   test/ops/wasm-ops.ts         compareValue and applyTransform drive every operator and transformer
//   test/fields/wasm-api.test.ts beginEvent, and the current event's status, truncation and stageTimestamp
export * from './index';
export { arenaReset } from './memory';
export { compareValue } from './ops';
export { applyTransform } from './transform';
export { beginEvent, eventTruncated, eventHasTimestamp, eventTimestampNs } from './extract';
