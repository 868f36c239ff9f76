// Verifies access tokens the way a Node service would, with only the Auth API's URL: discovery gives the
// JWKS URL, jose's createRemoteJWKSet fetches and caches the keys (and fetches again for an unknown kid).
// Usage: node verify.mjs <auth api url> <audience>; then one token per line on stdin, one JSON answer per
// line on stdout: {"ok":true,"sub":…,"kid":…} or {"ok":false,"code":…}. It stays up, so key rotation is
// picked up (or not) without a restart.
import { createInterface } from 'node:readline';
import { createRemoteJWKSet, jwtVerify } from 'jose';

const [authority, audience] = process.argv.slice(2);
const metadata = await (await fetch(new URL('/.well-known/openid-configuration', authority))).json();
const jwks = createRemoteJWKSet(new URL(metadata.jwks_uri));

for await (const token of createInterface({ input: process.stdin })) {
  try {
    const { payload, protectedHeader } = await jwtVerify(token, jwks, { issuer: metadata.issuer, audience });
    console.log(JSON.stringify({ ok: true, sub: payload.sub, kid: protectedHeader.kid }));
  } catch (error) {
    console.log(JSON.stringify({ ok: false, code: error.code ?? error.name }));
  }
}
