// CloudWatch Logs cuts an event longer than its limit and ends what it keeps with this marker (EKS audit
// events over 256 KB arrive this way). The one definition in TypeScript: the file framer keeps such a line
// whole, the emulator writes it; the WebAssembly engine has its own copy of the bytes and is what decides,
// per event, that an event was cut.
export const TRUNCATION_MARK = '[Truncated...]';
