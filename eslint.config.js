// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import local from './eslint/layers.js';

export default tseslint.config(
  { ignores: ['node_modules/', 'build/', '.docusaurus/', 'artifacts/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // The layers of src/ (docs/guides/architecture.md): each imports only the layers below it.
  { files: ['src/**/*.{ts,tsx}'], plugins: { local }, rules: { 'local/layers': 'error' } },
);
