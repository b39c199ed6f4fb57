// Writing to a stream with backpressure: resolves once the stream took the text (or closed, or failed).

/** Whether a write error means the stream's reader went away (`| head` has seen enough), not a failure. */
export function readerWentAway(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED';
}

export function writeStream(out: NodeJS.WritableStream, text: string | Uint8Array): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const done = (e?: Error | null) => {
      if (settled) return;
      settled = true;
      out.off('error', done);
      out.off('close', closed);
      if (e) reject(e);
      else resolve();
    };
    const closed = () => done(new Error('the stream closed'));
    out.on('error', done);
    out.on('close', closed);
    // the write callback runs once the data was handed to the OS (or failed), which is the drain we need
    out.write(text, (e) => done(e));
  });
}
