// ESLint: typescript-eslint's strict type-checked rules over the code and the tests; formatting is Prettier's.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // TypeScript itself reports undefined names, with the types in view (typescript-eslint's advice).
      'no-undef': 'off',
      // `xs[i]!` after a bounds check is the idiom for indexed reads; the compiler checks the rest.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Input from sensors, files and the network is checked at run time even where its declared type says it
      // cannot be missing; those checks stay.
      '@typescript-eslint/no-unnecessary-condition': 'off',
      // Numbers in messages and ids read naturally; objects and undefined are still refused.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // `() => void x()` callbacks are idiomatic for listeners; statements returning void are still flagged.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // `async` marks an API that callers await (and that may await later); it is not a mistake on its own.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Tests read JSON from real responses and files: an assertion on the value is the check, not its static type.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  prettier,
);
