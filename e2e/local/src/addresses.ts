// Address plan of one run slot: a private bridge, a pod subnet on it and a service VIP range that exists only
// as a host blackhole route. Nothing here is routable beyond the machine.

/** Names and addresses derived from a slot number. */
export interface SlotNetwork {
  slot: number;
  /** Linux bridge the pods' veths attach to. */
  bridge: string;
  /** Host address on the bridge: the pods' default gateway, and where istiod listens for them. */
  bridgeIp: string;
  /** Pod subnet (CIDR) on the bridge. */
  podCidr: string;
  /** Service VIP range (CIDR), blackholed on the host; sidecars capture VIP traffic before it is routed. */
  vipCidr: string;
  /** Prefix of network namespace names of this slot. */
  netnsPrefix: string;
}

/** The network of a slot (0..15). */
export function slotNetwork(slot: number): SlotNetwork {
  if (!Number.isInteger(slot) || slot < 0 || slot > 255) throw new Error(`slot ${slot}: must be an integer 0..255`);
  return {
    slot,
    bridge: `meshbr${slot}`,
    bridgeIp: `10.250.${slot}.1`,
    podCidr: `10.250.${slot}.0/24`,
    vipCidr: `10.251.${slot}.0/24`,
    netnsPrefix: `mesh${slot}-`,
  };
}

/** Hands out pod IPs (10.250.<slot>.2..254) and service VIPs (10.251.<slot>.10..254) in order. */
export class AddressPool {
  private nextPod = 2;
  private nextVip = 10;
  private readonly net: SlotNetwork;

  constructor(net: SlotNetwork) {
    this.net = net;
  }

  /** The next free pod address. */
  podIp(): string {
    if (this.nextPod > 254) throw new Error(`pod subnet ${this.net.podCidr} is exhausted`);
    return `10.250.${this.net.slot}.${this.nextPod++}`;
  }

  /** The next free service VIP. */
  vip(): string {
    if (this.nextVip > 254) throw new Error(`VIP range ${this.net.vipCidr} is exhausted`);
    return `10.251.${this.net.slot}.${this.nextVip++}`;
  }
}
