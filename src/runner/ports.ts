// World I/O, the same for every engine: what an `in` reads (World.portInValue, else all ones, as from a
// port nothing answers), and what a run records of port I/O: every access in order, and the text
// written to the serial port (COM1's data register, 0x3f8). An `out` of any width to 0x3f8 sends its
// low byte, as a UART's transmit register keeps only 8 bits.

import type { PortEvent } from './types.ts';

/** COM1's transmit register: bytes written here are the run's serial output. */
export const SERIAL_PORT = 0x3f8;

/** The value an `in` of `size` bytes reads: the world's configured value truncated, else all ones. */
export function portValue(configured: number | undefined, size: 1 | 2 | 4): number {
  if (configured !== undefined) return size === 4 ? configured >>> 0 : configured & ((1 << (8 * size)) - 1);
  return size === 4 ? 0xffff_ffff : (1 << (8 * size)) - 1;
}

/** One run's port I/O. Engines call `in` and `out`; the RunResult takes `events` and `serial`. */
export class PortLog {
  readonly events: PortEvent[] = [];
  serial = '';

  constructor(private readonly inValue: number | undefined) {}

  /** An `in`: the value the world answers, recorded. */
  in(port: number, size: 1 | 2 | 4): number {
    const value = portValue(this.inValue, size);
    this.events.push({ dir: 'in', port, size, value });
    return value;
  }

  /** An `out` of `value` (already truncated to `size` bytes), recorded; serial output kept as text. */
  out(port: number, size: 1 | 2 | 4, value: number): void {
    this.events.push({ dir: 'out', port, size, value });
    if (port === SERIAL_PORT) this.serial += String.fromCharCode(value & 0xff);
  }
}
