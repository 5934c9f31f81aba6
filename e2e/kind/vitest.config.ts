import { defineProject } from 'vitest/config';
import { meshProject } from '../../vitest.shared.ts';

export default defineProject(meshProject('e2e-kind'));
