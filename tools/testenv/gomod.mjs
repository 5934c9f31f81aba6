// Just enough go.mod parsing for the testenv build modules: the go directive, requirements and replaces.

/** Splits a go.mod into { go, require: Map<path, version>, replace: [{ from, to }] }, block or single-line form. */
export function readModFile(text) {
  const mod = { go: undefined, require: new Map(), replace: [] };
  let block;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\/\/.*$/, '').trim();
    if (line === '') continue;
    if (block) {
      if (line === ')') block = undefined;
      else addDirective(mod, block, line);
      continue;
    }
    const open = /^(require|replace|exclude|retract|godebug|tool|ignore)\s*\($/.exec(line);
    if (open) {
      block = open[1];
      continue;
    }
    const single = /^(\w+)\s+(.*)$/.exec(line);
    if (single) addDirective(mod, single[1], single[2]);
  }
  return mod;
}

function addDirective(mod, verb, rest) {
  if (verb === 'go') mod.go = rest;
  else if (verb === 'require') {
    const [path, version] = rest.split(/\s+/);
    if (path && version) mod.require.set(path, version);
  } else if (verb === 'replace') {
    const [from, to] = rest.split('=>').map((side) => side.trim());
    if (from && to) mod.replace.push({ from: from.split(/\s+/)[0], to });
  }
}

/**
 * The tool's `X => ./local/dir` replaces (monorepo siblings, which a dependency cannot use) as releases of X at
 * `version`; only modules the tool actually requires, so guard replaces like FORBIDDEN_DEPENDENCY drop out.
 */
export function localReplaces(mod, version) {
  return mod.replace
    .filter((r) => /^\.\.?\//.test(r.to) && mod.require.has(r.from))
    .map((r) => ({ path: r.from, version }));
}
