// Seeded garbage: deterministic pseudo-random values per (seed, input name).
// Each garbage input (a register, a memory range) draws from its own stream, keyed by its name, so the
// harness can rebuild a world where exactly one input takes another seed and see whether a difference
// in the final state follows it (leak attribution). splitmix64 (Steele, Lea, Flood 2014) is small,
// fast enough on bigint for register values and a few pages, and has no bad seeds.

const MASK64 = (1n << 64n) - 1n;

/** One splitmix64 step: the next state and the output drawn from it. */
export function splitmix64(state: bigint): { state: bigint; value: bigint } {
  const s = (state + 0x9e3779b97f4a7c15n) & MASK64;
  let z = s;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return { state: s, value: z ^ (z >> 31n) };
}

/** 64-bit FNV-1a of the name's UTF-8 bytes. */
export function hashName(name: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of new TextEncoder().encode(name)) h = ((h ^ BigInt(b)) * 0x100000001b3n) & MASK64;
  return h;
}

/** The starting state of the stream for (seed, name). */
function start(seed: number, name: string): bigint {
  return splitmix64(BigInt.asUintN(64, BigInt(seed)) ^ hashName(name)).value;
}

/** The 64-bit garbage value of input `name` under `seed`. */
export function seededValue(seed: number, name: string): bigint {
  return splitmix64(start(seed, name)).value;
}

/** `n` garbage bytes for input `name` under `seed`. */
export function seededBytes(seed: number, name: string, n: number): Uint8Array {
  const out = new Uint8Array(n);
  const view = new DataView(out.buffer);
  let state = start(seed, name);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const r = splitmix64(state);
    state = r.state;
    view.setBigUint64(i, r.value, true);
  }
  if (i < n) {
    let v = splitmix64(state).value;
    for (; i < n; i++, v >>= 8n) out[i] = Number(v & 0xffn);
  }
  return out;
}
