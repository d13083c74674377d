// What a site's API must check on every request from Frontdesk's worker
// (Standard Webhooks signing). Returns the envelope
// {attempt, action, method, path, user, params} or throws an Error.
//   headers:       Node's req.headers, or a Fetch Headers object
//   rawBody:       the exact bytes received (Buffer or string)
//   method:        the request's method (req.method)
//   pathWithQuery: the path and query string exactly as sent (req.url)
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TOLERANCE_SECS = 300;

// The HMAC key: the base64 after `whsec_`, at least 16 bytes.
export function secretKey(secret) {
  const b64 = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(String(secret ?? ''))?.[1];
  const key = b64 && b64.length % 4 === 0 ? Buffer.from(b64, 'base64') : null;
  if (!key || key.length < 16) throw new Error('bad secret');
  return key;
}

export function verifyFrontdesk(secret, headers, rawBody, method, pathWithQuery, nowSecs = Date.now() / 1000) {
  const key = secretKey(secret);
  const get = (name) => String((typeof headers.get === 'function' ? headers.get(name) : headers[name]) ?? '');
  const id = get('webhook-id'), ts = get('webhook-timestamp'), sigs = get('webhook-signature');
  if (!id || !/^\d{1,12}$/.test(ts) || !sigs) throw new Error('missing or malformed webhook headers');
  if (Math.abs(Math.floor(nowSecs) - Number(ts)) > TOLERANCE_SECS) throw new Error('timestamp too old or in the future');
  // What was signed: for GET the `frontdesk-request` header (base64url of the
  // envelope JSON), for other methods the raw body (the envelope JSON).
  const content = method === 'GET' ? get('frontdesk-request') : Buffer.from(rawBody ?? '');
  if (method === 'GET' && !/^[A-Za-z0-9_-]+$/.test(content)) throw new Error('missing or malformed frontdesk-request header');
  const mac = createHmac('sha256', key).update(`${id}.${ts}.`).update(content).digest('base64');
  const want = Buffer.from(`v1,${mac}`);
  // Several space-separated signatures may be sent; one match is enough. Constant-time compare.
  const match = sigs.split(' ').some((sig) => {
    const got = Buffer.from(sig);
    return got.length === want.length && timingSafeEqual(got, want);
  });
  if (!match) throw new Error('no matching signature');
  // Signed, so decode the envelope and check that it describes this very request.
  let env;
  try {
    env = JSON.parse(method === 'GET' ? Buffer.from(content, 'base64url').toString() : content.toString());
  } catch {
    throw new Error('envelope is not JSON');
  }
  if (env?.method !== method) throw new Error('envelope method differs from the request');
  if (env.path !== pathWithQuery) throw new Error('envelope path differs from the request');
  if (env.attempt !== id) throw new Error('envelope attempt differs from webhook-id');
  if (typeof env.user !== 'string' || env.user === '') throw new Error('envelope has no user');
  return env; // env.user is the only visitor identity to trust
}
