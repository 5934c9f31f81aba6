import type { Report } from './issues.ts';
import type { Obj } from './values.ts';

/** What a kind validator sees of a resource: its spec plus the metadata some rules depend on. */
export interface ResourceContext {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: Obj;
}

/** A per-kind validator: appends errors and warnings (paths start at `spec`) to the report. */
export type KindValidator = (r: Report, ctx: ResourceContext) => void;
