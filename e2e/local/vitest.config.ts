import { defineProject } from 'vitest/config';
import { meshProject } from '../../vitest.shared.ts';

// Each spec file starts its own mesh (istiod, pods, proxies): run the files one after another so they do not
// compete for the two CPU cores, with timeouts that allow for a whole mesh to start.
export default defineProject(meshProject('e2e-local', { fileParallelism: false, testTimeout: 120_000, hookTimeout: 300_000 }));
