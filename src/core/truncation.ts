// The marker CloudWatch Logs ends a message with when it cut the message at its size limit (an EKS audit
// event over 256 KiB arrives so). This is its one definition in TypeScript (in core/ because the emulator,
// which stands apart from the sources, writes it too): the file framer keeps such a line as a payload of its
// own, the CloudWatch source counts them, the emulator cuts messages with it. Whether an event was cut is the
// engine's to tell (assembly/extract.ts holds the WebAssembly definition): its result records say so per
// event, and each batch result counts the payloads that were cut.
export const TRUNCATION_MARK = '[Truncated...]';
