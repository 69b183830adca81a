// The `expect` language: parse a block into assertions, evaluate one against a run.
// Reference: docs/reference/expect-language.md.

export * from './ast.ts';
export { checkNames, parseAssertion, parseExpectBlock, parseExpression } from './parser.ts';
export type { ParseOptions, ParseLineResult, ParseExprResult } from './parser.ts';
export { suggest, didYouMean, isReservedName } from './names.ts';
export { evaluate } from './eval.ts';
export type { EvalContext, EvalResult } from './eval.ts';
