// Types of eslint/layers.js (a plain ES module, so eslint.config.js can load it without a TypeScript step).
import type { Rule } from 'eslint';

export const LAYERS: Record<string, string[]>;
export const layers: Rule.RuleModule;
declare const plugin: { rules: { layers: Rule.RuleModule } };
export default plugin;
