// A Prism grammar for GNU as, AT&T syntax (x86-64): Prism ships NASM (Intel syntax) but nothing that
// knows `%reg`, `$imm`, `disp(%base,%index,scale)` or `.directives`. Registered as `gas` (aliases `att`, `asm`).

import type { PrismLib } from 'prism-react-renderer';

type Prism = PrismLib;

export function registerGas(Prism: Prism): void {
  const gas = {
    comment: [
      { pattern: /(^|[^\\])\/\*[\s\S]*?\*\//, lookbehind: true, greedy: true },
      { pattern: /#.*/, greedy: true },
    ],
    string: { pattern: /"(?:\\.|[^"\\\r\n])*"/, greedy: true },
    // Symbolic labels and GNU as numeric local labels (`1:`), the latter referenced as `1b` / `1f`.
    label: { pattern: /^\s*(?:[A-Za-z_.$][\w.$]*|\d+):/m, alias: 'function' },
    'local-label': { pattern: /\b\d+[bf]\b/, alias: 'function' },
    directive: { pattern: /(^|\s)\.[A-Za-z_][\w]*/, lookbehind: true, alias: 'keyword' },
    register: { pattern: /%[a-z][a-z0-9]*(?::[a-z0-9]+)?/i, alias: 'variable' },
    immediate: { pattern: /\$(?:0x[\da-f]+|0b[01]+|-?\d+|[A-Za-z_.][\w.]*)/i, alias: 'number' },
    number: /\b(?:0x[\da-f]+|0b[01]+|\d+)\b/i,
    mnemonic: {
      pattern: /(^\s*(?:(?:[A-Za-z_.$][\w.$]*|\d+):\s*)?)[a-z][a-z0-9]*\b/im,
      lookbehind: true,
      alias: 'keyword',
    },
    operator: /[()+\-*,]/,
  };
  Prism.languages.gas = gas;
  Prism.languages.att = gas;
  // Every assembly in this project is AT&T syntax, so plain ```asm fences get the same highlighting.
  Prism.languages.asm = gas;
}
