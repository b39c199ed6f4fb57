// Process signals of a long-running kawa:
//   SIGTERM, SIGINT  graceful shutdown: `shutdown()` stops reading, lets in-flight batches finish, flushes the
//                    outputs and writes the checkpoint; the run then returns and the process exits 0. If that
//                    takes longer than `timeoutMs`, the process exits 1 and says so, with the number of
//                    alerts the outputs still held (`abandon()`). A second signal exits at once (1).
//   SIGHUP           `hangup()`: reload the rules, reopen output files (log rotation).
import type { Logger } from '../core/logger.js';

export interface SignalHandlers {
  shutdown(signal: string): Promise<void>;
  hangup?(): void;
  timeoutMs: number;
  logger: Logger;
  /** At a shutdown that ran out of time: the alerts never delivered, by output (counted by the caller). */
  abandon?(): Record<string, number>;
  /** process.exit, replaced in tests. */
  exit?(code: number): void;
}

/** Installs the handlers; returns the function that removes them. */
export function handleSignals(h: SignalHandlers): () => void {
  const exit = h.exit ?? ((code: number) => process.exit(code));
  let stopping = false;
  const onStop = (signal: NodeJS.Signals) => {
    if (stopping) {
      h.logger.warn({ signal }, 'second signal: exiting now');
      exit(1);
      return;
    }
    stopping = true;
    h.logger.info({ signal, timeout_ms: h.timeoutMs }, 'shutting down: finishing in-flight batches');
    const timer = setTimeout(() => {
      const byOutput = h.abandon?.() ?? {};
      const abandoned = Object.values(byOutput).reduce((a, b) => a + b, 0);
      h.logger.error({ timeout_ms: h.timeoutMs, alerts_abandoned: abandoned, by_output: byOutput },
        `shutdown did not finish in time: exiting with work undone, ${abandoned} alert${abandoned === 1 ? '' : 's'} not delivered`);
      if (abandoned) {
        const each = Object.entries(byOutput).map(([o, n]) => `${o}: ${n}`).join(', ');
        process.stderr.write(`kawa: KAWA_ERR_OUTPUT: ${abandoned} alert${abandoned === 1 ? ' was' : 's were'} not delivered (${each}): shutdown_timeout_ms (${h.timeoutMs}) passed\n`);
      }
      exit(1);
    }, h.timeoutMs);
    // the timer must not keep an otherwise finished process alive
    timer.unref();
    h.shutdown(signal).catch((e: Error) => {
      h.logger.error({ err: e.message }, 'shutdown failed');
      exit(1);
    });
  };
  const onHup = () => {
    h.logger.info('SIGHUP: reloading rules, reopening output files');
    h.hangup?.();
  };
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  if (h.hangup) process.on('SIGHUP', onHup);
  return () => {
    process.off('SIGTERM', onStop);
    process.off('SIGINT', onStop);
    process.off('SIGHUP', onHup);
  };
}
