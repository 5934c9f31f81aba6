// Compiled listener: address, listener filters and filter chains with their match criteria.
import type { CompiledHcm } from '../http/compile-hcm.ts';
import type { RbacPolicy } from '../http/rbac-policy.ts';
import type { CompiledTcpProxy } from '../tcp/compile-tcp-proxy.ts';
import type { TlsServerConfig } from '../tls/tls-types.ts';
import type { Cidr } from './cidr.ts';

export interface ChainMatch {
  readonly destinationPort: number | undefined;
  readonly prefixRanges: readonly Cidr[];
  readonly directSourcePrefixRanges: readonly Cidr[];
  readonly sourceType: 'ANY' | 'SAME_IP_OR_LOOPBACK' | 'EXTERNAL';
  readonly sourcePrefixRanges: readonly Cidr[];
  readonly sourcePorts: readonly number[];
  readonly serverNames: readonly string[];
  readonly transportProtocol: string;
  readonly applicationProtocols: readonly string[];
}

export interface CompiledFilterChain {
  readonly name: string;
  readonly match: ChainMatch;
  readonly tls: TlsServerConfig | undefined;
  /** Network RBAC filters before the terminal filter; every one must allow the connection. */
  readonly rbac: readonly RbacPolicy[];
  readonly network: CompiledHcm | CompiledTcpProxy;
}

export interface CompiledListener {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly pipe: string | undefined;
  readonly bindToPort: boolean;
  readonly useOriginalDst: boolean;
  readonly originalDstFilter: boolean;
  readonly tlsInspector: boolean;
  readonly httpInspector: boolean;
  readonly listenerFiltersTimeoutMs: number;
  readonly chains: readonly CompiledFilterChain[];
  readonly defaultChain: CompiledFilterChain | undefined;
  /** Route configs named by RDS in any chain (validation). */
  readonly rdsNames: ReadonlySet<string>;
  /** Clusters named by tcp_proxy filters (validation). */
  readonly clusterRefs: ReadonlySet<string>;
  readonly raw: { [key: string]: unknown };
}
