import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist',
      'node_modules',
      'public',
      'tools',
      'test-results',
      'playwright-report',
      '.test-reports',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx,js,mjs}'],
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/ui/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  {
    // onnxruntime-node is the CLI's native runtime: src/cli only (the app and the worker run onnxruntime-web).
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    ignores: ['src/cli/**', 'src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['onnxruntime-node'], message: 'onnxruntime-node is imported only in src/cli.' },
          ],
        },
      ],
    },
  },
  {
    // The method is a pure library: the UI, the worker and the CLI all use it,
    // so it may not reach into any of them, nor into the DOM, Node or ONNX.
    files: ['src/real/**/*.ts'],
    ignores: ['src/real/**/*.test.ts'],
    languageOptions: { globals: {} },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['react', 'react-*', 'react/*'], message: 'src/real is pure: no React.' },
            { group: ['d3', 'd3-*'], message: 'src/real is pure: drawing belongs in src/ui.' },
            { group: ['onnxruntime-*', 'onnxruntime-web/*'], message: 'src/real is pure: no ONNX.' },
            { group: ['comlink', 'zustand', 'zustand/*'], message: 'src/real is pure.' },
            { group: ['node:*', 'fs', 'path', 'url'], message: 'src/real is pure: no Node APIs.' },
            {
              group: ['**/ui/**', '**/workers/**', '**/cli/**'],
              message: 'src/real may not import the app.',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'window', 'document', 'navigator', 'process', 'self'],
    },
  },
);
