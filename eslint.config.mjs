import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

// Dependency direction (ARCHITECTURE.md): apps -> libs; control plane and data plane libs never import each other.
const controlPlane = ['scope:control'];
const dataPlane = ['scope:data'];

export default [
  { ignores: ['**/dist', '**/out-tsc', '**/node_modules', '**/build', '**/*.d.ts', '.nx/**', 'charts/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mjs', '**/*.js'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:lib', 'type:app', 'type:e2e'] },
            { sourceTag: 'scope:control', notDependOnLibsWithTags: dataPlane },
            { sourceTag: 'scope:data', notDependOnLibsWithTags: controlPlane },
            { sourceTag: 'scope:pure', onlyDependOnLibsWithTags: ['scope:pure', 'scope:shared'] },
          ],
        },
      ],
    },
  },
  {
    files: ['**/vitest.config.ts', 'vitest.*.ts', 'eslint.config.mjs'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
  {
    files: ['**/*.spec.ts', 'e2e/**/*.ts', 'benchmarks/**/*.ts', 'tools/**/*'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
];
