// ESLint: neostandard's rules without its style rules (Prettier formats, see .prettierrc), and,
// for src/, the type-aware promise rules: a promise nobody awaits loses its rejection, and one
// passed where a callback returning nothing is expected is never awaited.
import stylistic from '@stylistic/eslint-plugin'
import { globalIgnores } from 'eslint/config'
import { neostandard, resolveIgnoresFromGitignore } from 'neostandard'
import tseslint from 'typescript-eslint'

export default [
  // dist/, src/generated/ and the other build output; api-types.ts is written by `npm run openapi:types`.
  globalIgnores([...resolveIgnoresFromGitignore(), 'tests/integration/docs/api-types.ts']),
  ...neostandard({ ts: true, noStyle: true }),
  {
    files: ['**/*.{js,ts}'],
    plugins: { '@stylistic': stylistic },
    rules: {
      // Prettier wraps code at 120 columns but leaves comments, strings and test titles as they are.
      '@stylistic/max-len': ['error', { code: 120, tabWidth: 2 }],
      // `void promise` as a statement is how no-floating-promises is told a promise is left to run on
      // its own, as typescript-eslint advises; void inside an expression stays an error.
      'no-void': ['error', { allowAsStatement: true }],
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { '@typescript-eslint': tseslint.plugin },
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
]
