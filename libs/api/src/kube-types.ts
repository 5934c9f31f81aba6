// The Kubernetes resources istiod reads, reduced to the fields it uses.
import type { Resource } from './meta.ts';

export interface ServicePort {
  name?: string;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  appProtocol?: string;
  port: number;
  targetPort?: number | string;
  nodePort?: number;
}

export interface Service extends Resource<'Service'> {
  spec: {
    type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
    clusterIP?: string;
    clusterIPs?: string[];
    externalName?: string;
    selector?: Record<string, string>;
    ports?: ServicePort[];
  };
}

export interface EndpointSliceEndpoint {
  addresses: string[];
  conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
  hostname?: string;
  nodeName?: string;
  zone?: string;
  targetRef?: { kind?: string; name?: string; namespace?: string };
}

export interface EndpointSlice extends Resource<'EndpointSlice'> {
  addressType?: 'IPv4' | 'IPv6' | 'FQDN';
  endpoints?: EndpointSliceEndpoint[];
  ports?: Array<{ name?: string; port?: number; protocol?: string; appProtocol?: string }>;
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: string;
}

export interface Pod extends Resource<'Pod'> {
  spec?: {
    serviceAccountName?: string;
    nodeName?: string;
    containers?: Array<{ name: string; image?: string; ports?: ContainerPort[] }>;
  };
  status?: {
    phase?: string;
    podIP?: string;
    podIPs?: Array<{ ip: string }>;
    conditions?: Array<{ type: string; status: string }>;
  };
}

export interface Namespace extends Resource<'Namespace'> {
  spec?: Record<string, unknown>;
}

export interface Node extends Resource<'Node'> {
  spec?: Record<string, unknown>;
}

export interface ConfigMap extends Resource<'ConfigMap'> {
  data?: Record<string, string>;
}

export interface Secret extends Resource<'Secret'> {
  type?: string;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}
