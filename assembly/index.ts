// The WebAssembly module's exports. Each module exports its own entry points; this file gathers them.
export * from './memory';
export * from './ops';
export * from './transform';
export { loadProgram } from './program';
export { evaluateBatch } from './vm-batch';
export { outputPtr, outTop } from './vm-output';
export { beginEvent, extractField, eventTruncated, eventHasTimestamp, eventTimestampNs, setFallbackTimeNs, EVENT_OK, EVENT_PARSE_ERROR, EVENT_TOO_DEEP, EVENT_NOT_OBJECT, EVENT_BAD_START } from './extract';
export { ingestPayload, candidatePtr, candidateLen, candidateCompactLen, INGEST_PARSE_ERROR, INGEST_TOO_DEEP, INGEST_UNRECOGNIZED } from './extract-ingest';
