// istiod's admission webhooks on 15017: POST /inject (sidecar injection) and POST /validate (config validation),
// both AdmissionReview v1. Malformed requests get a 400 with the reason; the server never crashes on them.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { handleAdmissionReview, type InjectConfig } from '@mesh/inject';
import type { Logger } from '@mesh/telemetry';
import { validateObject } from '@mesh/validation';

export interface WebhookOptions {
  logger: Logger;
  /** The current injection config (mesh config, values, templates), read per request so ConfigMap changes apply. */
  injectConfig: () => InjectConfig;
}

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The validation webhook's verdict for one AdmissionReview (never throws). */
export function validateAdmissionReview(review: unknown): { status: number; body: Json } {
  if (!isObj(review) || review['kind'] !== 'AdmissionReview' || !isObj(review['request'])) {
    return { status: 400, body: { error: 'could not decode body: expected an AdmissionReview with a request' } };
  }
  const apiVersion = typeof review['apiVersion'] === 'string' ? review['apiVersion'] : 'admission.k8s.io/v1';
  const request = review['request'];
  const uid = typeof request['uid'] === 'string' ? request['uid'] : '';
  const respond = (response: Json) => ({ status: 200, body: { apiVersion, kind: 'AdmissionReview', response: { uid, ...response } } });
  const op = request['operation'];
  if (op === 'DELETE' || op === 'CONNECT') return respond({ allowed: true });
  const object = request['object'];
  if (!isObj(object)) return respond({ allowed: false, status: { status: 'Failure', code: 400, message: 'could not decode object: request.object is missing' } });
  const apiGroup = typeof object['apiVersion'] === 'string' ? object['apiVersion'].split('/')[0] ?? '' : '';
  if (!apiGroup.endsWith('istio.io')) return respond({ allowed: true });
  const result = validateObject(object);
  const warnings = result.warnings.map((w) => (w.path ? `${w.path}: ${w.message}` : w.message));
  if (result.errors.length > 0) {
    const reasons = result.errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message));
    const message = `configuration is invalid: ${reasons.join('; ')}`;
    return respond({ allowed: false, status: { status: 'Failure', code: 400, reason: 'BadRequest', message }, ...(warnings.length ? { warnings } : {}) });
  }
  return respond({ allowed: true, ...(warnings.length ? { warnings } : {}) });
}

/** The request's parsed JSON body, or undefined after answering 415/400 (wrong content type, empty, not JSON). */
function readReview(req: FastifyRequest, reply: FastifyReply): unknown {
  const ct = String(req.headers['content-type'] ?? '');
  if (!ct.startsWith('application/json')) {
    void reply.code(415).send({ error: `unsupported content type ${ct}, want application/json` });
    return undefined;
  }
  const text = typeof req.body === 'string' ? req.body : '';
  if (text.length === 0) {
    void reply.code(400).send({ error: 'no body found' });
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    void reply.code(400).send({ error: `could not decode body: ${(err as Error).message}` });
    return undefined;
  }
}

/** Registers /inject, /inject/*, /validate and /validate/* on a fastify instance. */
export function registerWebhooks(app: FastifyInstance, opts: WebhookOptions): void {
  // Parse bodies ourselves so a malformed one gets a clear 400 instead of fastify's generic error.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 8 << 20 }, (_req, body, done) => done(null, body));

  const inject = async (req: FastifyRequest, reply: FastifyReply) => {
    const review = readReview(req, reply);
    if (review === undefined) return reply;
    const response = handleAdmissionReview(review, opts.injectConfig(), { path: req.url.split('?')[0] ?? '/inject' });
    const r = (response as { response?: { allowed?: boolean; status?: { message?: string } } }).response;
    if (r?.allowed === false) opts.logger.warn({ path: req.url, reason: r.status?.message }, 'inject: request refused');
    return reply.code(200).send(response);
  };
  const validate = async (req: FastifyRequest, reply: FastifyReply) => {
    const review = readReview(req, reply);
    if (review === undefined) return reply;
    const { status, body } = validateAdmissionReview(review);
    const resp = body['response'] as { allowed?: boolean; status?: { message?: string } } | undefined;
    if (resp?.allowed === false) opts.logger.info({ reason: resp.status?.message }, 'validate: config refused');
    return reply.code(status).send(body);
  };
  app.post('/inject', inject);
  app.post('/inject/*', inject);
  app.post('/validate', validate);
  app.post('/validate/*', validate);
}
