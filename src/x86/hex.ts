// How every value is written for people and JSON: "0x..." in lower-case hex.

/** "0x..." lower-case hex, no padding; negative inputs are taken as 64-bit two's complement. */
export function hex(v: bigint | number): string {
  return `0x${BigInt.asUintN(64, BigInt(v)).toString(16)}`;
}
