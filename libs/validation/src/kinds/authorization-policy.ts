// AuthorizationPolicy (upstream ValidateAuthorizationPolicy).
import type { ResourceContext } from '../context.ts';
import { child, Report } from '../issues.ts';
import { validatePolicySelection } from '../policy-target.ts';
import type { Obj } from '../values.ts';
import { arr, has, obj, str, strList } from '../values.ts';
import {
  checkAttribute, checkEmptyValues, checkIPs, checkPathTemplates, checkPorts, checkServiceAccounts, checkTrustDomains,
} from './security-attributes.ts';

const SOURCE_FIELDS = [
  'principals', 'requestPrincipals', 'namespaces', 'ipBlocks', 'remoteIpBlocks', 'serviceAccounts', 'trustDomains',
  'notPrincipals', 'notRequestPrincipals', 'notNamespaces', 'notIpBlocks', 'notRemoteIpBlocks', 'notServiceAccounts', 'notTrustDomains',
];
// Source fields an L4 (TCP) filter can evaluate.
const TCP_SOURCE_FIELDS = SOURCE_FIELDS.filter((f) => f !== 'requestPrincipals' && f !== 'notRequestPrincipals');
const OPERATION_FIELDS = ['ports', 'methods', 'paths', 'hosts', 'notPorts', 'notMethods', 'notPaths', 'notHosts'];
const CUSTOM_UNSUPPORTED_SOURCE = [
  'namespaces', 'notNamespaces', 'principals', 'notPrincipals', 'requestPrincipals', 'notRequestPrincipals',
  'serviceAccounts', 'notServiceAccounts', 'trustDomains', 'notTrustDomains',
];
const CUSTOM_UNSUPPORTED_KEYS = ['source.namespace', 'source.principal', 'source.serviceAccount', 'source.trustDomain'];
const EXTRA_TARGETS = [{ group: 'gateway.networking.k8s.io', kind: 'GatewayClass' }];

function validateSource(r: Report, path: string, src: Obj): boolean {
  if (!SOURCE_FIELDS.some((f) => strList(src[f]).length > 0)) r.error(path, '`from.source` must not be empty');
  for (const f of ['ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks']) r.check(child(path, f), checkIPs(strList(src[f])));
  for (const f of SOURCE_FIELDS) r.check(child(path, f), checkEmptyValues(f[0]?.toUpperCase() + f.slice(1), strList(src[f])));
  for (const f of ['serviceAccounts', 'notServiceAccounts']) {
    if (has(src, f)) r.check(child(path, f), checkServiceAccounts(f, strList(src[f])));
  }
  for (const f of ['trustDomains', 'notTrustDomains']) r.check(child(path, f), checkTrustDomains(f, strList(src[f])));
  if (has(src, 'serviceAccounts') || has(src, 'notServiceAccounts')) {
    if (['principals', 'notPrincipals', 'namespaces', 'notNamespaces'].some((f) => has(src, f))) {
      r.error(path, 'serviceAccounts cannot be set with principals or namespaces');
    }
  }
  return TCP_SOURCE_FIELDS.some((f) => has(src, f));
}

function validateOperation(r: Report, path: string, op: Obj): boolean {
  if (!OPERATION_FIELDS.some((f) => strList(op[f]).length > 0)) r.error(path, '`to.operation` must not be empty');
  r.check(child(path, 'ports'), checkPorts(strList(op['ports']).filter((p) => p !== '')));
  r.check(child(path, 'notPorts'), checkPorts(strList(op['notPorts']).filter((p) => p !== '')));
  for (const f of OPERATION_FIELDS) r.check(child(path, f), checkEmptyValues(f[0]?.toUpperCase() + f.slice(1), strList(op[f])));
  r.check(child(path, 'paths'), checkPathTemplates('Paths', strList(op['paths'])));
  r.check(child(path, 'notPaths'), checkPathTemplates('NotPaths', strList(op['notPaths'])));
  return has(op, 'ports') || has(op, 'notPorts');
}

function validateRule(r: Report, path: string, rule: Obj, action: string, warnings: Report): void {
  const from = rule['from'];
  const to = rule['to'];
  if (Array.isArray(from) && from.length === 0) r.error(child(path, 'from'), '`from` must not be empty');
  if (Array.isArray(to) && to.length === 0) r.error(child(path, 'to'), '`to` must not be empty');
  let tcpFrom = false;
  let tcpTo = false;
  let fromExists = false;
  let toExists = false;
  (arr(from) ?? []).forEach((item, i) => {
    const p = `${path}.from[${i}]`;
    const f = obj(item);
    if (!f) return r.error(p, '`from` must not be nil');
    const src = obj(f['source']);
    if (!src) return r.error(`${p}.source`, '`from.source` must not be nil');
    fromExists = true;
    if (validateSource(r, `${p}.source`, src)) tcpFrom = true;
  });
  (arr(to) ?? []).forEach((item, i) => {
    const p = `${path}.to[${i}]`;
    const t = obj(item);
    if (!t) return r.error(p, '`to` must not be nil');
    const op = obj(t['operation']);
    if (!op) return r.error(`${p}.operation`, '`to.operation` must not be nil');
    toExists = true;
    if (validateOperation(r, `${p}.operation`, op)) tcpTo = true;
  });
  (arr(rule['when']) ?? []).forEach((item, i) => {
    const p = `${path}.when[${i}]`;
    const cond = obj(item);
    if (!cond) return r.error(p, 'when field cannot be nil');
    const key = str(cond['key']);
    if (key === '') return r.error(`${p}.key`, '`key` must not be empty');
    const values = strList(cond['values']);
    const notValues = strList(cond['notValues']);
    if (values.length === 0 && notValues.length === 0) {
      return r.error(p, `at least one of \`values\` or \`notValues\` must be set for key ${key}`);
    }
    r.check(`${p}.values`, checkEmptyValues('Values', values));
    r.check(`${p}.notValues`, checkEmptyValues('NotValues', notValues));
    const valueErr = values.length > 0 ? checkAttribute(key, values) : undefined;
    if (valueErr) r.error(`${p}.values`, `invalid \`value\` for \`key\` ${key}: ${valueErr}`);
    const notErr = notValues.length > 0 ? checkAttribute(key, notValues) : undefined;
    if (notErr) r.error(`${p}.notValues`, `invalid \`notValue\` for \`key\` ${key}: ${notErr}`);
  });
  if (action === 'DENY' && ((fromExists && !toExists && !tcpFrom) || (toExists && !tcpTo))) {
    warnings.warn(path, 'configured AuthorizationPolicy will deny all traffic to TCP ports under its scope due to the use of only HTTP attributes in a DENY rule; it is recommended to explicitly specify the port');
  }
}

function validateCustom(r: Report, spec: Obj): void {
  const rules = spec['rules'];
  if (rules === undefined || rules === null) {
    r.error('spec.rules', 'CUSTOM action without `rules` is meaningless as it will never be triggered, add an empty rule `{}` if you want it be triggered for every request');
  } else if (str(obj(spec['provider'])?.['name']) === '') {
    r.error('spec.provider.name', '`provider.name` must not be empty');
  }
  (arr(rules) ?? []).forEach((item, i) => {
    const rule = obj(item) ?? {};
    (arr(rule['from']) ?? []).forEach((f, j) => {
      const src = obj(obj(f)?.['source']);
      if (!src) return;
      for (const field of CUSTOM_UNSUPPORTED_SOURCE) {
        if (strList(src[field]).length > 0) r.error(`spec.rules[${i}].from[${j}].source.${field}`, `From.${field[0]?.toUpperCase()}${field.slice(1)} is currently not supported with CUSTOM action`);
      }
    });
    (arr(rule['when']) ?? []).forEach((w, j) => {
      const key = str(obj(w)?.['key']);
      if (CUSTOM_UNSUPPORTED_KEYS.includes(key) || key.startsWith('request.auth.')) {
        r.error(`spec.rules[${i}].when[${j}].key`, `${key} is currently not supported with CUSTOM action`);
      }
    });
  });
}

/** Validates an AuthorizationPolicy spec; errors are prefixed `invalid policy <name>.<namespace>:` as upstream. */
export function validateAuthorizationPolicy(report: Report, ctx: ResourceContext): void {
  const { spec } = ctx;
  const r = new Report();
  validatePolicySelection(r, spec, EXTRA_TARGETS);
  const action = str(spec['action']) || 'ALLOW';
  if (action === 'CUSTOM') validateCustom(r, spec);
  if (has(spec, 'provider') && action !== 'CUSTOM') r.error('spec.provider', `\`provider\` must not be with non CUSTOM action, found ${action}`);
  if (action === 'DENY' && (spec['rules'] === undefined || spec['rules'] === null)) {
    r.error('spec.rules', 'DENY action without `rules` is meaningless as it will never be triggered, add an empty rule `{}` if you want it be triggered for every request');
  }
  (arr(spec['rules']) ?? []).forEach((item, i) => {
    const rule = obj(item);
    if (!rule) r.error(`spec.rules[${i}]`, `\`rule\` must not be nil, found at rule ${i}`);
    else validateRule(r, `spec.rules[${i}]`, rule, action, r);
  });
  const prefix = `invalid policy ${ctx.name}.${ctx.namespace}:`;
  for (const e of r.errors) report.error(e.path, `${prefix} ${e.message}`);
  for (const w of r.warnings) report.warn(w.path, w.message);
}
