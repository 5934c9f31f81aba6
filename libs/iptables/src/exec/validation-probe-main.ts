// Child-process entry used to run the validation probe inside another network namespace (see validation-probe.ts).
import { createLogger } from './logger.ts';
import { runProbe, type ProbeOptions } from './validation-probe.ts';

const opts = JSON.parse(process.argv[2] ?? '{}') as ProbeOptions;
const result = await runProbe(opts, createLogger({ json: true, level: 'info' }));
process.stdout.write(JSON.stringify(result));
process.exitCode = result.ok ? 0 : 1;
