// Entry point for istio-iptables. Wiring only: flags, lifecycle; logic lives in libs.
console.log('istio-iptables: not implemented yet');
