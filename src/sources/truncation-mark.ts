// The marker CloudWatch Logs ends a message with when it cut the message at its size limit (an EKS audit
// event over 256 KiB arrives so). This is its one definition in TypeScript: the framer uses it to frame
// such a line as a payload of its own, the CloudWatch emulator to cut messages. Whether an event was cut
// is the engine's to tell (assembly/extract.ts holds the WebAssembly definition): its result records say
// so per event, and each batch result counts the payloads that were cut.
export const TRUNCATION_MARK = '[Truncated...]';
