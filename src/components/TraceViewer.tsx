// Step through the instructions an example executed (recorded at build time), with the items each
// step changed highlighted, ending in the final state the clauses were checked against.

import React, { useEffect, useId, useMemo, useRef, useState } from 'react';
import type { TraceRow } from '../model/types.ts';
import { GPRS } from '../x86/registers.ts';
import { REGISTER_BITS } from '../x86/bits.ts';
import { plural } from './plural.ts';

/** The single-bit RFLAGS flags, from the one bit table in src/x86/bits.ts. */
const FLAGS: [number, string][] = REGISTER_BITS.rflags
  .filter((f) => (f.width ?? 1) === 1)
  .map((f) => [f.bit, f.name]);

/** Register order for display: GPRs, rip, rflags, control registers, then the rest alphabetically. */
const ORDER: readonly string[] = [...GPRS, 'rip', 'rflags', 'cr0', 'cr2', 'cr3', 'cr4', 'efer'];
function byOrder(a: string, b: string): number {
  const ia = ORDER.indexOf(a);
  const ib = ORDER.indexOf(b);
  if (ia >= 0 || ib >= 0) return (ia < 0 ? 999 : ia) - (ib < 0 ? 999 : ib);
  return a.localeCompare(b);
}

function flagNames(value: string | undefined): string[] {
  if (!value || !/^0x[0-9a-f]+$/i.test(value)) return [];
  const v = Number(BigInt(value) & 0xfffffn);
  return FLAGS.filter(([bit]) => (v >> bit) & 1).map(([, n]) => n);
}

function FlagsView({ value, before }: { value?: string; before?: string }): React.ReactElement | null {
  if (!value) return null;
  const now = new Set(flagNames(value));
  const was = new Set(flagNames(before));
  return (
    <span className="kc-flags">
      {FLAGS.map(([, n]) => (
        <span
          key={n}
          className={`kc-flag ${now.has(n) ? 'kc-flag-on' : 'kc-flag-off'} ${before !== undefined && now.has(n) !== was.has(n) ? 'kc-changed' : ''}`}
        >
          {n}
        </span>
      ))}
    </span>
  );
}

export interface TraceViewerProps {
  trace: TraceRow[];
  final: Record<string, string>;
  /** The items at entry (the state before the first instruction), when the build recorded them. */
  initial?: Record<string, string>;
  /** How the run ended, shown on the final step. */
  stop?: { reason: string; rip: string; message: string };
  /** Steps left out of the middle of a long trace (the trace keeps its first and last halves). */
  omitted?: number;
  /** What ran (the example's name), for the viewer's accessible name. */
  label?: string;
}

/** Keys that move through the trace, by the number of steps they move (Infinity: to the end). */
const KEY_STEPS: Record<string, number> = {
  ArrowRight: 1,
  ArrowDown: 1,
  ArrowLeft: -1,
  ArrowUp: -1,
  PageDown: 10,
  PageUp: -10,
  Home: -Infinity,
  End: Infinity,
};

/**
 * The value of every shown item after `step` (-1 = at entry): its last change up to `step`, else its
 * value at entry (`initial`; undefined when the build did not record it), else, never changed, its
 * final value.
 */
function valuesAt(
  trace: TraceRow[],
  final: Record<string, string>,
  step: number,
  initial?: Record<string, string>,
): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  const changedLater = new Set<string>();
  for (let i = step + 1; i < trace.length; i++)
    for (const k of Object.keys(trace[i].changed)) changedLater.add(k);
  for (const k of Object.keys(final)) out[k] = changedLater.has(k) ? initial?.[k] : final[k];
  for (let i = 0; i <= step && i < trace.length; i++) Object.assign(out, trace[i].changed);
  for (const k of changedLater) if (!(k in out)) out[k] = initial?.[k];
  // rip is known at every step: the address of the next instruction, or where the run stopped.
  const next = trace[step + 1]?.rip ?? final.rip;
  if (next !== undefined && step >= 0) out.rip = next;
  return out;
}

export default function TraceViewer({
  trace,
  final,
  initial,
  stop,
  omitted,
  label,
}: TraceViewerProps): React.ReactElement {
  // Positions 0..n-1: after instruction i; n: the final state.
  const n = trace.length;
  const [pos, setPos] = useState(0);
  const atEnd = pos >= n;
  const values = useMemo(
    () => valuesAt(trace, final, atEnd ? n - 1 : pos, initial),
    [trace, final, initial, pos, atEnd, n],
  );
  const before = useMemo(
    () => (pos > 0 ? valuesAt(trace, final, pos - 1, initial) : initial),
    [trace, final, initial, pos],
  );
  const changed = atEnd ? {} : (trace[pos]?.changed ?? {});
  const keys = Object.keys(values).sort(byOrder);
  // The core registers and whatever the run changed; descriptor-cache details on request.
  const [all, setAll] = useState(false);
  const touched = useMemo(() => new Set(trace.flatMap((r) => Object.keys(r.changed))), [trace]);
  const shown = all ? keys : keys.filter((k) => ORDER.includes(k) || touched.has(k));
  const hidden = keys.length - keys.filter((k) => ORDER.includes(k) || touched.has(k)).length;
  const go = (p: number) => setPos(Math.max(0, Math.min(n, p)));
  const id = useId();
  const rowId = (i: number) => `${id}-row-${i}`;
  const gapAfter = omitted ? Math.floor(n / 2) - 1 : -1;
  const total = n + (omitted ?? 0);
  /** The 1-based number of recorded row i in the whole run (rows after the gap skip the omitted steps). */
  const number = (i: number) => (gapAfter >= 0 && i > gapAfter ? i + 1 + (omitted ?? 0) : i + 1);
  // Keep the current instruction visible in the list's own scroll box (not the page's).
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => {
    const box = list.current;
    const row = box?.querySelector<HTMLElement>('li.kc-trace-current');
    if (!box || !row) return;
    if (
      row.offsetTop < box.scrollTop ||
      row.offsetTop + row.offsetHeight > box.scrollTop + box.clientHeight
    ) {
      box.scrollTop = row.offsetTop - box.clientHeight / 2;
    }
  }, [pos]);

  // Keyboard: the instruction list is one tab stop (a listbox whose active option is the current step);
  // the arrow keys, Page Up/Down, Home and End step from anywhere inside the viewer.
  return (
    <div
      className="kc-trace"
      role="group"
      aria-label={label ? `Trace of ${label}` : 'Trace'}
      onKeyDown={(e) => {
        const step = KEY_STEPS[e.key];
        if (step === undefined || e.altKey || e.ctrlKey || e.metaKey) return;
        go(step === Infinity ? n : step === -Infinity ? 0 : pos + step);
        e.preventDefault();
      }}
    >
      <div className="kc-trace-controls">
        <button
          type="button"
          className="kc-button"
          onClick={() => go(0)}
          disabled={pos === 0}
          aria-label="First step"
          aria-keyshortcuts="Home"
        >
          « first
        </button>
        <button
          type="button"
          className="kc-button"
          onClick={() => go(pos - 1)}
          disabled={pos === 0}
          aria-label="Previous step"
          aria-keyshortcuts="ArrowLeft"
        >
          ◀ prev
        </button>
        <button
          type="button"
          className="kc-button"
          onClick={() => go(pos + 1)}
          disabled={atEnd}
          aria-label="Next step"
          aria-keyshortcuts="ArrowRight"
        >
          next ▶
        </button>
        <button
          type="button"
          className="kc-button"
          onClick={() => go(n)}
          disabled={atEnd}
          aria-label="Final state"
          aria-keyshortcuts="End"
        >
          final »
        </button>
        <span className="kc-trace-pos" aria-live="polite">
          {atEnd ? `final state (after ${plural(total, 'step')})` : `step ${number(pos)} of ${total}`}
        </span>
      </div>
      <p className="kc-trace-keys" id={`${id}-keys`}>
        Keys: <kbd>←</kbd> <kbd>→</kbd> (or <kbd>↑</kbd> <kbd>↓</kbd>) step, <kbd>Home</kbd> / <kbd>End</kbd>{' '}
        go to the first step / the final state. Click or select a row to jump to it.
      </p>
      <div className="kc-trace-panes">
        <ol
          className="kc-trace-list"
          ref={list}
          role="listbox"
          tabIndex={0}
          aria-label="Executed instructions"
          aria-describedby={`${id}-keys`}
          aria-activedescendant={rowId(atEnd ? n : pos)}
        >
          {trace.map((row, i) => (
            <React.Fragment key={i}>
              <li
                id={rowId(i)}
                role="option"
                aria-selected={i === pos}
                value={number(i)}
                className={i === pos ? 'kc-trace-current' : i < pos ? 'kc-trace-done' : undefined}
                onClick={() => go(i)}
              >
                <code className="kc-trace-rip">{row.rip}</code> <code>{row.text}</code>
              </li>
              {i === gapAfter && (
                <li className="kc-trace-gap" role="option" aria-selected={false} aria-disabled="true">
                  … {plural(omitted ?? 0, 'step')} left out of this long run …
                </li>
              )}
            </React.Fragment>
          ))}
          <li
            id={rowId(n)}
            role="option"
            aria-selected={atEnd}
            className={atEnd ? 'kc-trace-current' : undefined}
            onClick={() => go(n)}
          >
            <em>
              stop: {stop ? `${stop.reason} at ${stop.rip}` : 'end'}
              {stop?.message ? ` (${stop.message})` : ''}
            </em>
          </li>
        </ol>
        <div className="kc-trace-state">
          <div className="kc-trace-caption">
            {atEnd ? 'Final state: what the clauses were checked against' : `After ${trace[pos]?.text ?? ''}`}
          </div>
          <div className="kc-trace-grid">
            {shown.map((k) => (
              <div key={k} className={`kc-trace-item ${k in changed ? 'kc-changed' : ''}`} data-item={k}>
                <span className="kc-trace-name">{k}</span>
                <span className="kc-trace-value">
                  {values[k] === undefined ? (
                    <span
                      className="kc-muted"
                      title="not recorded: the value this item had when the run started"
                    >
                      at entry
                    </span>
                  ) : (
                    <code>{values[k]}</code>
                  )}
                  {k === 'rflags' && (
                    <FlagsView value={values[k]} before={k in changed ? before?.rflags : undefined} />
                  )}
                </span>
              </div>
            ))}
          </div>
          {hidden > 0 && (
            <button type="button" className="kc-button kc-small" onClick={() => setAll(!all)}>
              {all ? 'show fewer items' : `show all ${keys.length} items`}
            </button>
          )}
        </div>
      </div>
      {!atEnd && trace[pos]?.mem && trace[pos].mem!.length > 0 && (
        <ul className="kc-trace-mem">
          {trace[pos].mem!.map((m, i) => (
            <li key={i} className="kc-changed">
              <code>
                [{m.addr}] ({m.size} bytes) ← {m.value}
              </code>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
