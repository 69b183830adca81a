// Progress of long runs on stderr. On a terminal: one status line, rewritten at most every 200 ms and
// erased when done. Elsewhere (CI logs, pipes): nothing for runs that finish within 10 s, then one
// line every 10 s, so a log shows that a 50M-step example is moving and where it is.

export interface ProgressEvent {
  /** What is running, e.g. `spec/02-kernel-to-purgatory.md:311 example "linux-6.18"`. */
  what: string;
  /** e.g. "seed 1/4"; empty when there is only one run. */
  part?: string;
  steps: number;
  maxSteps?: number;
}

export interface ProgressOptions {
  isTTY?: boolean;
  now?: () => number;
  /** Not a terminal: quiet this long into a run (default 10 s) ... */
  quietMs?: number;
  /** ... then a line this often (default 10 s). */
  everyMs?: number;
}

/** `--progress` off a terminal: a line every second of any run that lasts longer than one. */
export const FORCED_PROGRESS: ProgressOptions = { quietMs: 1000, everyMs: 1000 };

export interface Progress {
  update(e: ProgressEvent): void;
  /** Erase the status line (terminal) before other output. */
  done(): void;
}

const LONG_MS = 10_000;
const TTY_MS = 200;

export function formatSteps(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)}k`;
  return String(n);
}

export function progressLine(e: ProgressEvent): string {
  const of = e.maxSteps ? ` of ${formatSteps(e.maxSteps)}` : '';
  return `${e.what}${e.part ? `, ${e.part}` : ''}: ${formatSteps(e.steps)}${of} steps`;
}

export function progressReporter(
  out: { write(s: string): unknown },
  options: ProgressOptions = {},
): Progress {
  const now = options.now ?? Date.now;
  const quietMs = options.quietMs ?? LONG_MS;
  const everyMs = options.everyMs ?? LONG_MS;
  const tty = options.isTTY ?? false;
  let current = '';
  let started = now();
  let last = -Infinity;
  let shown = false;
  return {
    update(e) {
      const t = now();
      // A new run (a new example or seed) restarts the clock.
      const key = `${e.what}\0${e.part ?? ''}`;
      if (key !== current || e.steps === 0) {
        current = key;
        started = t;
        if (!tty) last = -Infinity;
      }
      // A run's start only starts the clock: a run that ends within one progress interval shows nothing.
      if (e.steps === 0) return;
      if (tty) {
        if (t - last < TTY_MS) return;
        last = t;
        out.write(`\r\x1b[K${progressLine(e)}`);
        shown = true;
        return;
      }
      if (t - started < quietMs || t - last < everyMs) return;
      last = t;
      out.write(`${progressLine(e)} (${Math.round((t - started) / 1000)} s)\n`);
    },
    done() {
      if (tty && shown) out.write('\r\x1b[K');
      shown = false;
    },
  };
}
