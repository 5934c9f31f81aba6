// The proxy's inbound ports: from a Sidecar's ingress listeners when it has them, else from the service ports its
// workload serves (deduplicated by target port).
import { parseProtocol, type Protocol, type ServiceModel } from '@mesh/model';
import type { ProxyContext } from './context.ts';

export interface InboundPort {
  /** The workload port (where traffic is addressed and the inbound cluster name). */
  readonly port: number;
  readonly protocol: Protocol;
  /** `127.0.0.1:<port>` style endpoint for Sidecar ingress / LOCALHOST policy; undefined = original destination. */
  readonly localEndpoint?: { address: string; port: number };
  readonly services: readonly ServiceModel[];
  readonly servicePort: number;
}

/** Lists the inbound ports, sorted by port. */
export function inboundPorts(ctx: ProxyContext): InboundPort[] {
  const byPort = new Map<number, InboundPort>();
  if (ctx.scope.ingress.length > 0) {
    for (const l of ctx.scope.ingress) {
      const ep = l.defaultEndpoint ?? '';
      const m = /^(?:(127\.0\.0\.1|0\.0\.0\.0|\[::1?\])):(\d+)$/.exec(ep);
      byPort.set(l.port.number, {
        port: l.port.number,
        protocol: parseProtocol(l.port.protocol),
        ...(m ? { localEndpoint: { address: m[1] === '0.0.0.0' ? ctx.proxy.ipAddresses[0] ?? '127.0.0.1' : (m[1] ?? '127.0.0.1'), port: Number(m[2]) } } : {}),
        services: [],
        servicePort: l.port.number,
      });
    }
  } else {
    const localhost = ctx.snapshot.meshConfig.inboundTrafficPolicy.mode === 'LOCALHOST';
    for (const inst of ctx.snapshot.serviceInstances(ctx.proxy)) {
      const prev = byPort.get(inst.targetPort);
      if (prev) {
        byPort.set(inst.targetPort, { ...prev, services: [...prev.services, inst.service] });
        continue;
      }
      byPort.set(inst.targetPort, {
        port: inst.targetPort,
        protocol: inst.servicePort.protocol,
        ...(localhost ? { localEndpoint: { address: '127.0.0.1', port: inst.targetPort } } : {}),
        services: [inst.service],
        servicePort: inst.servicePort.port,
      });
    }
  }
  return [...byPort.values()].sort((a, b) => a.port - b.port);
}
