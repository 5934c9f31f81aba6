// Messages between the main thread and --concurrency workers.
import type { StatEntry } from '@mesh/dataplane';
import type { XdsSnapshot } from '@mesh/xds';

export type WorkerMessage =
  | { kind: 'apply'; seq: number; snapshot: XdsSnapshot }
  | { kind: 'drain'; inboundOnly: boolean }
  | { kind: 'stop' };

export type WorkerReport = { kind: 'stats'; id: number; entries: StatEntry[] } | { kind: 'applied'; id: number; seq: number; errors: string[] };
