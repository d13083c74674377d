// Writes identity.json, the identity test vectors: HS256 tokens minted by
// the `jose` library and user hashes by Node's crypto, each with the
// outcome Frontdesk must give at `now` (checked by
// shared/tests/identity_vectors.rs). A user hash is the HMAC of
// 'frontdesk:user_hash:v1:' + the user id, or of 'frontdesk:email_hash:v1:'
// + the email (issue 15: never a token's signing input, nor each other). Run once from the repository root after
// `. scripts/tools.sh`: `node shared/tests/vectors/identity.mjs`. jose and
// HMAC are deterministic, so a rerun writes the same file.
import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { SignJWT, UnsecuredJWT } from 'jose';

const secret = 'frontdesk-test-vector-secret-0123456789';
const other = 'not-the-site-secret-9876543210-abcdef';
const now = 1800000000;
const key = (s) => new TextEncoder().encode(s);
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
const hmac = (k, v) => createHmac('sha256', k).update(v).digest('hex');
const idHash = (id, k = secret) => hmac(k, `frontdesk:user_hash:v1:${id}`);
const emailHash = (email, k = secret) => hmac(k, `frontdesk:email_hash:v1:${email}`);
// The attack of issue 15: a token's signing input the attacker made, which
// the site hashed as the attacker's user id, hash → bytes → base64url as the
// signature.
const chosen = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'victim-1', email: 'ceo@example.com', exp: now + 600 })}`;
const asSig = (hex) => Buffer.from(hex, 'hex').toString('base64url');

const jwt = (claims, { alg = 'HS256', k = secret, exp = now + 600 } = {}) => {
  let t = new SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT' }).setIssuedAt(now - 10);
  if (exp !== null) t = t.setExpirationTime(exp);
  return t.sign(key(k));
};

const full = { sub: 'user-42', email: 'kim@example.com', name: 'Kim Lee' };
const valid = await jwt(full);
const [h, , s] = valid.split('.');
const tokens = [
  ['valid: sub, email, name', valid, 'ok', full],
  ['valid: sub only', await jwt({ sub: 'user-7' }), 'ok', { sub: 'user-7' }],
  ['valid: non-ASCII name, nbf in the past', await new SignJWT({ sub: 'u-9', name: 'Zoë 山田' }).setProtectedHeader({ alg: 'HS256' }).setNotBefore(now - 60).setExpirationTime(now + 60).sign(key(secret)), 'ok', { sub: 'u-9', name: 'Zoë 山田' }],
  ['valid: expired 30 s ago, within the 60 s leeway', await jwt(full, { exp: now - 30 }), 'ok', full],
  ['expired an hour ago', await jwt(full, { exp: now - 3600 }), 'identity_expired'],
  ['no exp', await jwt(full, { exp: null }), 'identity_invalid'],
  ['nbf an hour ahead', await new SignJWT(full).setProtectedHeader({ alg: 'HS256' }).setNotBefore(now + 3600).setExpirationTime(now + 7200).sign(key(secret)), 'identity_invalid'],
  ['signed with another key', await jwt(full, { k: other }), 'identity_invalid'],
  ['alg none (unsecured JWT)', new UnsecuredJWT(full).setExpirationTime(now + 600).encode(), 'identity_invalid'],
  ['alg HS512 with the right key', await jwt(full, { alg: 'HS512' }), 'identity_invalid'],
  ['claims tampered (sub changed), signature kept', `${h}.${b64({ ...full, sub: 'admin', iat: now - 10, exp: now + 600 })}.${s}`, 'identity_invalid'],
  ['signature tampered', `${h}.${valid.split('.')[1]}.${s.slice(0, -2)}${s.endsWith('AA') ? 'BA' : 'AA'}`, 'identity_invalid'],
  ['signature missing', `${h}.${valid.split('.')[1]}.`, 'identity_invalid'],
  ['no sub', await jwt({ email: 'kim@example.com' }), 'identity_invalid'],
  ['email claim not an address', await jwt({ sub: 'u', email: 'kim' }), 'identity_invalid'],
  ['not a JWT', 'hello.world', 'identity_invalid'],
  ['a user hash of the signing input as its signature', `${chosen}.${asSig(idHash(chosen))}`, 'identity_invalid'],
  ['an email hash of the signing input as its signature', `${chosen}.${asSig(emailHash(chosen))}`, 'identity_invalid'],
].map(([name, token, expect, claims]) => ({ name, token, expect, ...(claims ? { claims } : {}) }));

const hashes = [
  ['valid: user id', { user_id: 'user-42', user_hash: idHash('user-42') }, 'ok', { sub: 'user-42' }],
  ['valid: email, no user id', { email: 'kim@example.com', user_hash: emailHash('kim@example.com') }, 'ok', { email: 'kim@example.com' }],
  ['valid: user id, unsigned email beside it', { user_id: 'user-42', email: 'kim@example.com', name: 'Kim', user_hash: idHash('user-42') }, 'ok', { sub: 'user-42', name: 'Kim' }],
  ['valid: upper-case hex', { user_id: 'user-42', user_hash: idHash('user-42').toUpperCase() }, 'ok', { sub: 'user-42' }],
  ['valid: the signing input of a token as the user id', { user_id: chosen, user_hash: idHash(chosen) }, 'ok', { sub: chosen }],
  ['hash of another user', { user_id: 'user-43', user_hash: idHash('user-42') }, 'identity_invalid'],
  ['hash with another key', { user_id: 'user-42', user_hash: idHash('user-42', other) }, 'identity_invalid'],
  ['hash truncated', { user_id: 'user-42', user_hash: idHash('user-42').slice(0, 63) }, 'identity_invalid'],
  ['hash of the email sent with a user id', { user_id: 'user-42', email: 'kim@example.com', user_hash: emailHash('kim@example.com') }, 'identity_invalid'],
  ['hash without a user id or email', { user_hash: idHash('user-42') }, 'identity_invalid'],
  ['old-style hash of the bare user id (before issue 15)', { user_id: 'user-42', user_hash: hmac(secret, 'user-42') }, 'identity_invalid'],
  ['old-style hash of the bare email (before issue 15)', { email: 'kim@example.com', user_hash: hmac(secret, 'kim@example.com') }, 'identity_invalid'],
  ['user-id hash of an email-like id, sent as an email hash', { email: 'ceo@example.com', user_hash: idHash('ceo@example.com') }, 'identity_invalid'],
  ['a token\'s signature as the user hash of its signing input', { user_id: valid.slice(0, valid.lastIndexOf('.')), user_hash: Buffer.from(s, 'base64url').toString('hex') }, 'identity_invalid'],
].map(([name, identity, expect, claims]) => ({ name, identity, expect, ...(claims ? { claims } : {}) }));

const out = { secret, now, leeway_secs: 60, tokens, hashes };
writeFileSync(new URL('./identity.json', import.meta.url), JSON.stringify(out, null, 2) + '\n');
console.log(`wrote ${tokens.length} token and ${hashes.length} hash vectors`);
