// Entry point for istio-iptables: wiring only. Flags use upstream's pflag syntax (e.g. `-b ""`, `-x=""`), which
// @mesh/iptables parses itself so `pilot-agent istio-iptables` shares exactly the same behaviour.
import { runIptablesCli } from '@mesh/iptables';

process.exitCode = await runIptablesCli(process.argv.slice(2), process.env);
