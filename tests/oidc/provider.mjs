// Casework test OpenID Connect provider.
//
// A real, certified OpenID Connect provider (the npm package `oidc-provider`,
// pinned in package.json) for Casework's integration tests. Run it with
// `node tests/oidc/provider.mjs` after `npm ci --prefix tests/oidc`; it is
// configured only through the environment: OIDC_PORT (listen on
// 127.0.0.1:PORT, 0 or unset = any free port), OIDC_CLIENT_ID and
// OIDC_CLIENT_SECRET (one confidential client, accepted with either
// client_secret_basic or client_secret_post at the token endpoint),
// OIDC_REDIRECT_URI (its single allowed redirect URI, required),
// OIDC_ACCOUNTS (JSON array of {"sub","email","email_verified","name"}) and
// optionally OIDC_PKCE_REQUIRED (default "1"; "0" makes PKCE optional). The
// issuer is http://127.0.0.1:PORT, ID tokens are RS256-signed with a key
// generated at start (published at /jwks) and carry email, email_verified and
// name for the scopes `email`/`profile`. There is no login page: the
// authorization request's `login_hint=<email>` picks the account, and the
// requested scopes are granted at once, so following the 303 redirects with a
// cookie jar (3 hops: /auth -> /interaction/UID -> /auth/UID -> redirect_uri)
// ends at OIDC_REDIRECT_URI?code=...&state=...&iss=...; a missing or unknown
// login_hint ends there with error=access_denied instead. Every authorization
// request is a fresh login (the session cookie is ignored on /auth), so one
// cookie jar can log in as different accounts in turn. Once listening it
// prints exactly one line on stdout, `READY http://127.0.0.1:PORT`; all
// diagnostics go to stderr. SIGTERM or SIGINT stops it with exit code 0.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';

import Provider, { interactionPolicy } from 'oidc-provider';

function fail(message) {
  process.stderr.write(`oidc test provider: ${message}\n`);
  process.exit(2);
}

// ---- configuration from the environment ----------------------------------

const port = Number.parseInt(process.env.OIDC_PORT ?? '0', 10);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`invalid OIDC_PORT ${process.env.OIDC_PORT}`);

const clientId = process.env.OIDC_CLIENT_ID || 'casework-test';
const clientSecret = process.env.OIDC_CLIENT_SECRET || 'casework-test-secret';
const redirectUri = process.env.OIDC_REDIRECT_URI;
if (!redirectUri) fail('OIDC_REDIRECT_URI is required');
if (!/^https?:$/.test(URL.parse(redirectUri)?.protocol ?? '')) fail(`OIDC_REDIRECT_URI must be an http(s) URL: ${redirectUri}`);
const pkceRequired = !['0', 'false', 'no'].includes((process.env.OIDC_PKCE_REQUIRED ?? '1').toLowerCase());

let accountList;
try {
  accountList = JSON.parse(process.env.OIDC_ACCOUNTS || '[]');
} catch (err) {
  fail(`OIDC_ACCOUNTS is not valid JSON: ${err.message}`);
}
if (!Array.isArray(accountList)) fail('OIDC_ACCOUNTS must be a JSON array');

const accountsBySub = new Map();
const accountsByEmail = new Map();
for (const a of accountList) {
  if (!a || typeof a.sub !== 'string' || !a.sub || typeof a.email !== 'string' || !a.email) {
    fail(`each account needs a non-empty string "sub" and "email": ${JSON.stringify(a)}`);
  }
  const account = {
    sub: a.sub,
    email: a.email,
    email_verified: a.email_verified === true,
    ...(a.name === undefined ? {} : { name: String(a.name) }),
  };
  accountsBySub.set(account.sub, account);
  accountsByEmail.set(account.email.toLowerCase(), account);
}

function accountForHint(hint) {
  if (typeof hint !== 'string' || !hint.trim()) return undefined;
  return accountsByEmail.get(hint.trim().toLowerCase());
}

// ---- ephemeral keys -------------------------------------------------------

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingJwk = {
  ...privateKey.export({ format: 'jwk' }),
  kid: `test-${randomBytes(6).toString('hex')}`,
  alg: 'RS256',
  use: 'sig',
};

// ---- HTTP server (listen first so that OIDC_PORT=0 knows its port) --------

let provider;
let providerCallback;

// The session cookie is dropped from authorization requests (/auth and its
// resume /auth/UID), so each authorization request logs in afresh as the
// login_hint account: no silent SSO, and no "different account, log out
// first" form when one cookie jar switches accounts. Other endpoints (e.g.
// /session/end) still see the cookie.
function stripSessionCookie(req) {
  const { cookie } = req.headers;
  if (!cookie) return;
  const kept = cookie
    .split(';')
    .map((c) => c.trim())
    .filter((c) => {
      const name = c.split('=', 1)[0];
      return c && name !== '_session' && !name.startsWith('_session.');
    });
  if (kept.length) req.headers.cookie = kept.join('; ');
  else delete req.headers.cookie;
}

async function handleInteraction(req, res) {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params, session } = details;

  if (prompt.name === 'login') {
    const account = accountForHint(params.login_hint);
    if (!account) {
      process.stderr.write(`oidc test provider: refusing login, login_hint=${JSON.stringify(params.login_hint ?? null)}\n`);
      await provider.interactionFinished(req, res, {
        error: 'access_denied',
        error_description: params.login_hint
          ? 'no account with the email given as login_hint'
          : 'login_hint (an account email) is required',
      }, { mergeWithLastSubmission: false });
      return;
    }
    const grantId = await grantAll(account.sub, params, details);
    await provider.interactionFinished(req, res, {
      login: { accountId: account.sub },
      consent: { grantId },
    }, { mergeWithLastSubmission: false });
    return;
  }

  if (prompt.name === 'consent') {
    const accountId = session?.accountId;
    if (!accountId) {
      await provider.interactionFinished(req, res, {
        error: 'access_denied',
        error_description: 'no authenticated account',
      }, { mergeWithLastSubmission: false });
      return;
    }
    const grantId = await grantAll(accountId, params, details);
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    return;
  }

  await provider.interactionFinished(req, res, {
    error: 'access_denied',
    error_description: `unsupported prompt ${prompt.name}`,
  }, { mergeWithLastSubmission: false });
}

// Grants everything the authorization request asked for.
async function grantAll(accountId, params, details) {
  let grant;
  if (details.grantId) grant = await provider.Grant.find(details.grantId);
  if (!grant || grant.accountId !== accountId) {
    grant = new provider.Grant({ accountId, clientId: params.client_id });
  }
  if (params.scope) grant.addOIDCScope(params.scope);
  const missingClaims = details.prompt.details?.missingOIDCClaims;
  if (Array.isArray(missingClaims) && missingClaims.length) grant.addOIDCClaims(missingClaims);
  if (params.claims) {
    try {
      const claims = JSON.parse(params.claims);
      const names = [
        ...Object.keys(claims.id_token ?? {}),
        ...Object.keys(claims.userinfo ?? {}),
      ];
      if (names.length) grant.addOIDCClaims(names);
    } catch {
      // the provider has already validated the claims parameter
    }
  }
  const missingResourceScopes = details.prompt.details?.missingResourceScopes;
  if (missingResourceScopes) {
    for (const [indicator, scopes] of Object.entries(missingResourceScopes)) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
  }
  return grant.save();
}

const server = http.createServer((req, res) => {
  const path = (req.url ?? '/').split('?', 1)[0];
  if (path.startsWith('/interaction/')) {
    if (req.method !== 'GET' && req.method !== 'POST') {
      res.writeHead(405, { 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    handleInteraction(req, res).catch((err) => {
      // Typically SessionNotFound: the client did not send back the
      // _interaction cookie set by the redirect from /auth.
      process.stderr.write(`oidc test provider: interaction failed: ${err?.name ?? 'Error'}: ${err?.error_description ?? err?.message ?? err}\n`);
      if (!res.headersSent) {
        res.writeHead(400, { 'content-type': 'text/plain' });
        res.end(`interaction failed: ${err?.error_description ?? err?.message ?? err}\n`);
      } else {
        res.end();
      }
    });
    return;
  }
  if (path === '/auth' || path.startsWith('/auth/')) stripSessionCookie(req);
  providerCallback(req, res);
});

server.on('error', (err) => fail(`server error: ${err.message}`));

server.listen(port, '127.0.0.1', () => {
  const actualPort = server.address().port;
  const issuer = `http://127.0.0.1:${actualPort}`;

  const basePolicy = interactionPolicy.base();

  provider = new Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      post_logout_redirect_uris: [redirectUri],
      application_type: 'web',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
    }],
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    jwks: { keys: [signingJwk] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name'],
    },
    scopes: ['openid', 'email', 'profile'],
    conformIdTokenClaims: false,
    pkce: { required: () => pkceRequired },
    responseTypes: ['code'],
    features: {
      devInteractions: { enabled: false },
      claimsParameter: { enabled: true },
      userinfo: { enabled: true },
      revocation: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
    interactions: {
      policy: basePolicy,
      url: (ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    async findAccount(ctx, sub) {
      const account = accountsBySub.get(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        async claims() {
          return { ...account };
        },
      };
    },
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 600,
      ClientCredentials: 600,
      Grant: 3600,
      IdToken: 3600,
      Interaction: 600,
      Session: 3600,
    },
    renderError(ctx, out, error) {
      ctx.type = 'text/plain';
      ctx.body = `${out.error}: ${out.error_description ?? ''}\n`;
      process.stderr.write(`oidc test provider: error page: ${out.error} ${out.error_description ?? ''} (${error?.message ?? ''})\n`);
    },
  });

  provider.on('server_error', (ctx, err) => {
    process.stderr.write(`oidc test provider: server_error: ${err?.stack ?? err}\n`);
  });
  for (const event of ['authorization.error', 'grant.error', 'userinfo.error', 'introspection.error', 'revocation.error']) {
    provider.on(event, (ctx, err) => {
      process.stderr.write(`oidc test provider: ${event}: ${err?.error ?? ''} ${err?.error_description ?? err?.message ?? ''}\n`);
    });
  }

  providerCallback = provider.callback();

  process.stdout.write(`READY ${issuer}\n`);
});

function shutdown(signal) {
  process.stderr.write(`oidc test provider: ${signal}, stopping\n`);
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
