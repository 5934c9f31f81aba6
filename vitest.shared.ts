import type { UserWorkspaceConfig } from 'vitest/config';

/** Vitest settings shared by every project: source imports through the @mesh/source export condition. */
export function meshProject(name: string, overrides: UserWorkspaceConfig['test'] = {}): UserWorkspaceConfig {
  return {
    resolve: { conditions: ['@mesh/source', 'node', 'import', 'default'] },
    ssr: { resolve: { conditions: ['@mesh/source', 'node', 'import', 'default'], externalConditions: ['@mesh/source'] } },
    test: {
      name,
      environment: 'node',
      include: ['src/**/*.spec.ts'],
      testTimeout: 30_000,
      hookTimeout: 60_000,
      ...overrides,
    },
  };
}
