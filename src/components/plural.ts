// Counting words in the interface: "1 clause lacks", "2 clauses lack".

/** `n` and the noun in the number it needs: plural(1, 'clause') = '1 clause', plural(2, 'clause') = '2 clauses'. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The verb that agrees with `n` things: agree(1, 'lacks', 'lack') = 'lacks'. */
export function agree(n: number, one: string, many: string): string {
  return n === 1 ? one : many;
}
