// The WebAssembly module's exports. Each module exports its own entry points; this file gathers them.
export * from './memory';
export * from './ops';
export * from './transform';
