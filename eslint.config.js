// Type-aware rules catch the bugs a prober is most exposed to: a forgotten await
// (a probe phase that never bounds its wait) and an unhandled promise rejection.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'test-output/', 'data/', 'scratch/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.js', 'test/*.mjs'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
    },
  },
  {
    // better-sqlite3 is synchronous: the SQLite backend implements the async storage contract with
    // async methods whose bodies never need to wait.
    files: ['src/store/sqlite/**/*.ts'],
    rules: { '@typescript-eslint/require-await': 'off' },
  },
  {
    // node:test's test() returns a promise the runner itself awaits.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite', 'before', 'after'] }] },
      ],
    },
  },
  {
    // Layering (ARCHITECTURE §2). Only src/store/ knows a storage backend and only src/main.ts
    // chooses one; everything else speaks the contract in src/store/store.ts.
    files: ['src/**/*.ts'],
    ignores: ['src/store/**', 'src/main.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'better-sqlite3', message: 'Only src/store/ talks to SQLite: use the storage contract (src/store/store.ts).' },
            { name: 'pg', message: 'Only src/store/ talks to PostgreSQL: use the storage contract (src/store/store.ts).' },
          ],
          patterns: [{ group: ['**/store/sqlite/**', '**/store/postgres/**', '**/store/sqlite-*'], message: 'Only src/main.ts chooses a storage backend: depend on the contract in src/store/store.ts.' }],
        },
      ],
    },
  },
  {
    // src/domain is the pure core: no I/O, and nothing from the layers above it. node:crypto is
    // allowed: hashing a tool list is computation, not I/O.
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['better-sqlite3', 'pg', 'undici', 'fastify', 'prom-client', 'node-cron', 'pino'].map((name) => ({ name, message: 'src/domain is pure: no I/O libraries.' })),
          patterns: [
            { regex: '^node:(?!crypto$)', message: 'src/domain is pure: the only node: module it may use is node:crypto.' },
            { regex: '^(fs|net|dns|tls|http|https|http2|dgram|child_process|worker_threads|os|path|url)(/.*)?$', message: 'src/domain is pure: no I/O modules.' },
            { regex: '^\\.\\./', message: 'src/domain imports only from src/domain.' },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    // The one script the pages load: a classic browser script under a strict CSP.
    files: ['web/assets/**/*.js'],
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: 'script',
      globals: { window: 'readonly', document: 'readonly', fetch: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setTimeout: 'readonly', URL: 'readonly', Date: 'readonly', console: 'readonly' },
    },
  },
);
