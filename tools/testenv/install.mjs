// Installs the reference binaries the integration tests run against (kube-apiserver, etcd, helm, fortio, ...).
// Everything that is not a Debian package is built from the Go module proxy into versioned folders under
// ${MESH_TESTENV_CACHE:-$HOME/.cache/mesh-testenv}; a folder whose binaries exist is skipped, so a second run is
// instant. Stable links in <cache>/bin/<name> point at the versioned binaries (libs/testing's testenvBin reads them).
//
// Usage: npm run testenv            install what is missing, print where each binary is
//        npm run testenv -- --list  only print what is installed
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, lstatSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { acquireLock } from './lock.mjs';
import { readModFile, localReplaces } from './gomod.mjs';

const CACHE = process.env.MESH_TESTENV_CACHE || join(homedir(), '.cache', 'mesh-testenv');
const BIN_LINKS = join(CACHE, 'bin');

/**
 * Go tools: one build folder each. `localReplace` maps the tool's own `replace X => ./local/path` lines (kubernetes'
 * staging repos, etcd's sibling modules) to published releases, because a dependency's replaces are ignored.
 */
const GO_TOOLS = [
  {
    name: 'kubernetes',
    module: 'k8s.io/kubernetes',
    version: 'v1.36.3',
    // Staging repos are published as v0.<minor>.<patch> for kubernetes v1.<minor>.<patch>.
    localReplace: (version) => version.replace(/^v1\./, 'v0.'),
    // What hack/lib/version.sh stamps; without it /version says v0.0.0-master and helm's kubeVersion checks fail.
    versionVars: (version) => {
      const [major, minor] = version.replace(/^v/, '').split('.');
      const vars = { gitVersion: version, gitMajor: major, gitMinor: minor, gitTreeState: 'clean' };
      return ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'].flatMap((pkg) =>
        Object.entries(vars).map(([name, value]) => `${pkg}.${name}=${value}`),
      );
    },
    binaries: {
      'kube-apiserver': 'cmd/kube-apiserver',
      'kube-controller-manager': 'cmd/kube-controller-manager',
      kubectl: 'cmd/kubectl',
    },
  },
  {
    // Debian's etcd-server is 3.4; kube-apiserver 1.36 is built and tested against the 3.6 line (its go.mod pins
    // the 3.6 client), so the server comes from the same line.
    name: 'etcd',
    module: 'go.etcd.io/etcd/server/v3',
    version: 'v3.6.8',
    localReplace: (version) => version,
    binaries: { etcd: '' },
  },
  {
    name: 'helm',
    module: 'helm.sh/helm/v4',
    version: 'v4.3.1',
    versionVars: (version) => [`helm.sh/helm/v4/internal/version.version=${version}`],
    binaries: { helm: 'cmd/helm' },
  },
  {
    // Newest fortio without the grol.io/grol scripting dependency (from v1.69.0 on), which the Go proxy this
    // project builds from refuses (403); the load-generator features the benchmarks use are the same.
    name: 'fortio',
    module: 'fortio.org/fortio',
    version: 'v1.68.2',
    binaries: { fortio: '' },
  },
  {
    name: 'actionlint',
    module: 'github.com/rhysd/actionlint',
    version: 'v1.7.12',
    binaries: { actionlint: 'cmd/actionlint' },
  },
];

/** Debian packages needed beyond tools/setup/system.sh: package name → the binary it provides. */
const DEBIAN_PACKAGES = { openssl: 'openssl', shellcheck: 'shellcheck', nginx: 'nginx' };

function log(message) {
  process.stdout.write(`testenv: ${message}\n`);
}

/** A failure the user can act on: printed without a stack trace, exit code 1, lock released. */
class InstallError extends Error {}

function fail(message) {
  throw new InstallError(message);
}

function formatSeconds(ms) {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (result.error) throw result.error;
  return result;
}

function onPath(binary) {
  return run('sh', ['-c', `command -v ${binary}`]).status === 0;
}

function debianInstalled(pkg) {
  const status = run('dpkg-query', ['-W', '-f=${Status}', pkg]);
  return status.status === 0 && status.stdout.includes('install ok installed');
}

/** apt-get installs the Debian packages that are missing (needs root). */
function ensureDebianPackages() {
  const missing = Object.keys(DEBIAN_PACKAGES).filter((pkg) => !debianInstalled(pkg));
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) fail(`missing Debian packages ${missing.join(' ')}; run as root or install them`);
  log(`apt-get install ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = run('apt-get', ['update', '-qq'], { env, stdio: 'inherit' });
  if (update.status !== 0) fail('apt-get update failed');
  const install = run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {
    env,
    stdio: 'inherit',
  });
  if (install.status !== 0) fail(`apt-get install ${missing.join(' ')} failed`);
}

function goEnv() {
  return {
    ...process.env,
    GOFLAGS: '-mod=mod -buildvcs=false',
    GOMAXPROCS: '2',
    GOTOOLCHAIN: 'local', // a tool needing a newer Go fails clearly instead of downloading a toolchain
    CGO_ENABLED: '0',
  };
}

function toolDir(tool) {
  return join(CACHE, `${tool.name}-${tool.version}`);
}

function binaryPath(tool, binary) {
  return join(toolDir(tool), 'bin', binary);
}

function ldflags(tool) {
  const vars = tool.versionVars ? tool.versionVars(tool.version) : [];
  return ['-s', '-w', ...vars.map((v) => `-X ${v}`)].join(' ');
}

// Everything that shapes the binaries; a folder built with another recipe (e.g. new ldflags) is rebuilt.
function recipe(tool) {
  return `${JSON.stringify({ module: tool.module, version: tool.version, binaries: tool.binaries, ldflags: ldflags(tool) }, null, 2)}\n`;
}

function recipePath(tool) {
  return join(toolDir(tool), 'recipe.json');
}

function isInstalled(tool) {
  const built = existsSync(recipePath(tool)) && readFileSync(recipePath(tool), 'utf8') === recipe(tool);
  return built && Object.keys(tool.binaries).every((binary) => existsSync(binaryPath(tool, binary)));
}

/** Writes the throwaway go.mod that requires the tool and replaces its local-path modules with releases. */
function writeBuildModule(tool, dir) {
  const download = run('go', ['mod', 'download', '-json', `${tool.module}@${tool.version}`], { env: goEnv() });
  if (download.status !== 0) fail(`go mod download ${tool.module}@${tool.version}: ${download.stderr || download.stdout}`);
  const info = JSON.parse(download.stdout);
  const toolMod = readModFile(readFileSync(info.GoMod, 'utf8'));
  const replaces = tool.localReplace ? localReplaces(toolMod, tool.localReplace(tool.version)) : [];
  const lines = [
    `module mesh-testenv/${tool.name}`,
    '',
    `go ${toolMod.go ?? '1.24'}`,
    '',
    `require ${tool.module} ${tool.version}`,
  ];
  if (replaces.length > 0) {
    lines.push('', 'replace (', ...replaces.map((r) => `\t${r.path} => ${r.path} ${r.version}`), ')');
  }
  writeFileSync(join(dir, 'go.mod'), `${lines.join('\n')}\n`);
}

// `times` after the build prints the CPU time of the shell's children: on a busy machine wall time says little,
// CPU time divided by the core count estimates the wall time on an idle CI runner.
const TIMED_BUILD = 'nice -n 19 "$@"; status=$?; times >&2; exit $status';

function parseChildCpuMs(stderr) {
  const lines = stderr.trimEnd().split('\n');
  const times = [...(lines.at(-1) ?? '').matchAll(/(\d+)m([\d.]+)s/g)];
  return times.reduce((ms, [, min, sec]) => ms + (Number(min) * 60 + Number(sec)) * 1000, 0);
}

/** Builds one binary of a tool into its versioned bin folder; returns wall and CPU time in ms. */
function buildBinary(tool, binary, subPath, dir) {
  const pkg = subPath ? `${tool.module}/${subPath}` : tool.module;
  const out = binaryPath(tool, binary);
  log(`building ${binary} from ${pkg}@${tool.version} (log: ${join(dir, 'build.log')})`);
  const started = Date.now();
  const args = ['go', 'build', '-p', '2', '-trimpath', `-ldflags=${ldflags(tool)}`, '-o', `${out}.tmp`, pkg];
  const result = run('sh', ['-c', TIMED_BUILD, 'build', ...args], { cwd: dir, env: goEnv(), maxBuffer: 64 << 20 });
  const wall = Date.now() - started;
  const cpu = parseChildCpuMs(result.stderr);
  writeFileSync(join(dir, 'build.log'), `$ nice -n 19 ${args.join(' ')}\n${result.stdout}${result.stderr}\n`, {
    flag: 'a',
  });
  if (result.status !== 0) {
    fail(`building ${binary} failed after ${formatSeconds(wall)}:\n${result.stderr.slice(-4000)}`);
  }
  run('mv', [`${out}.tmp`, out]);
  log(`built ${binary} in ${formatSeconds(wall)} (CPU ${formatSeconds(cpu)})`);
  return { wall, cpu };
}

/** Builds every missing binary of one tool; returns the build wall and CPU time in ms (0 when cached). */
function installGoTool(tool) {
  const total = { wall: 0, cpu: 0 };
  if (isInstalled(tool)) return total;
  const dir = toolDir(tool);
  mkdirSync(join(dir, 'bin'), { recursive: true });
  writeBuildModule(tool, dir);
  rmSync(recipePath(tool), { force: true });
  for (const [binary, subPath] of Object.entries(tool.binaries)) {
    const took = buildBinary(tool, binary, subPath, dir);
    total.wall += took.wall;
    total.cpu += took.cpu;
  }
  writeFileSync(recipePath(tool), recipe(tool));
  return total;
}

/** Points <cache>/bin/<binary> at the versioned build, replacing an older link. */
function linkBinary(binary, target) {
  mkdirSync(BIN_LINKS, { recursive: true });
  const link = join(BIN_LINKS, binary);
  try {
    lstatSync(link);
    rmSync(link);
  } catch {
    // no previous link
  }
  symlinkSync(target, link);
  return link;
}

function printInstalled() {
  for (const tool of GO_TOOLS) {
    for (const binary of Object.keys(tool.binaries)) {
      const path = binaryPath(tool, binary);
      log(`${binary.padEnd(24)} ${existsSync(path) ? path : '(missing)'}  [${tool.module}@${tool.version}]`);
    }
  }
  for (const [pkg, binary] of Object.entries(DEBIAN_PACKAGES)) {
    // nginx lives in /usr/sbin, which is not on a normal user's PATH.
    const where = run('sh', ['-c', `PATH="$PATH:/usr/sbin:/sbin" command -v ${binary}`]).stdout.trim();
    log(`${binary.padEnd(24)} ${where || '(missing)'}  [debian ${pkg}]`);
  }
}

function main() {
  process.stdout.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(0); // `npm run testenv | head`
    throw error;
  });
  if (process.argv.includes('--list')) {
    printInstalled();
    return;
  }
  if (!onPath('go')) fail('go is not on PATH; install Go (see `go version` requirements in tools/testenv)');
  mkdirSync(CACHE, { recursive: true });
  const release = acquireLock(join(CACHE, '.lock'), log);
  try {
    ensureDebianPackages();
    const started = Date.now();
    const manifest = {};
    let cpuTotal = 0;
    for (const tool of GO_TOOLS) {
      const took = installGoTool(tool);
      if (took.wall === 0) log(`${tool.name} ${tool.version}: cached`);
      else log(`${tool.name} ${tool.version}: built in ${formatSeconds(took.wall)} (CPU ${formatSeconds(took.cpu)})`);
      cpuTotal += took.cpu;
      for (const binary of Object.keys(tool.binaries)) {
        manifest[binary] = { path: linkBinary(binary, binaryPath(tool, binary)), module: tool.module, version: tool.version };
      }
    }
    writeFileSync(join(CACHE, 'testenv.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    log(`total ${formatSeconds(Date.now() - started)} (build CPU ${formatSeconds(cpuTotal)})`);
  } finally {
    release();
  }
  printInstalled();
}

try {
  main();
} catch (error) {
  if (!(error instanceof InstallError)) throw error;
  process.stderr.write(`testenv: ERROR: ${error.message}\n`);
  process.exitCode = 1;
}
