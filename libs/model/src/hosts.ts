// Host names: short-name resolution, wildcard matching and exportTo visibility.

/** Resolves a host written in config of `namespace` to an FQDN (`reviews` → `reviews.default.svc.cluster.local`). */
export function resolveHost(host: string, namespace: string, domainSuffix: string): string {
  if (host === '*' || host.includes('.')) return host;
  return `${host}.${namespace}.svc.${domainSuffix}`;
}

/** True when `pattern` (possibly `*.foo.com` or `*`) matches the concrete or wildcard host `host`. */
export function hostMatches(pattern: string, host: string): boolean {
  if (pattern === '*' || pattern === host) return true;
  if (pattern.startsWith('*')) {
    const suffix = pattern.slice(1);
    if (host.startsWith('*')) return host.slice(1).endsWith(suffix);
    return host.endsWith(suffix);
  }
  // A wildcard host is covered by a concrete pattern only when equal (handled above).
  if (host.startsWith('*')) return pattern.endsWith(host.slice(1));
  return false;
}

/** exportTo semantics: empty/`*` = everyone, `.` = own namespace, `~` = nobody, else listed namespaces. */
export function isExportedTo(exportTo: readonly string[] | undefined, ownNamespace: string, viewerNamespace: string): boolean {
  if (!exportTo || exportTo.length === 0) return true;
  for (const e of exportTo) {
    if (e === '*') return true;
    if (e === '~') continue;
    if (e === '.' ? ownNamespace === viewerNamespace : e === viewerNamespace) return true;
  }
  return false;
}

/** True when every selector label is present with the same value. An empty selector matches everything. */
export function labelsMatch(selector: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector)) if (labels[k] !== v) return false;
  return true;
}
