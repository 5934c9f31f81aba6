import type { UserWorkspaceConfig } from 'vitest/config';
/** Vitest settings shared by every project: source imports through the @mesh/source export condition. */
export declare function meshProject(name: string, overrides?: UserWorkspaceConfig['test']): UserWorkspaceConfig;
//# sourceMappingURL=vitest.shared.d.ts.map