-- Sign-in security: devices a person has signed in from, two-factor
-- sign-in (TOTP and recovery codes), an office's demand for it, sessions
-- that wait for a second factor, and a record of security events.

-- A device is a long-lived cookie given at a successful sign-in. The right
-- password from a known device is not slowed by anyone else's failures.
CREATE TABLE known_devices (
    token_hash   TEXT PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users(id),
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX known_devices_user ON known_devices(user_id);

-- An authenticator app's shared secret (RFC 6238), once confirmed.
-- last_step: the last time step accepted, so a code works once.
CREATE TABLE two_factor (
    user_id      BIGINT PRIMARY KEY REFERENCES users(id),
    secret       TEXT NOT NULL,
    confirmed_at BIGINT,
    last_step    BIGINT NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL
);

CREATE TABLE recovery_codes (
    id        INTEGER PRIMARY KEY,
    user_id   BIGINT NOT NULL REFERENCES users(id),
    code_hash TEXT NOT NULL,
    used_at   BIGINT
);
CREATE INDEX recovery_codes_user ON recovery_codes(user_id);

ALTER TABLE offices ADD COLUMN require_two_factor BOOLEAN NOT NULL DEFAULT FALSE;

-- 'full': signed in; 'second_factor': password given, code awaited;
-- 'enrol': password given, the office requires two-factor and none is set up.
ALTER TABLE sessions ADD COLUMN stage TEXT NOT NULL DEFAULT 'full';

-- Enrolling, losing a device (a recovery code used), resets, sign-ins:
-- who, whose account, from where.
CREATE TABLE security_events (
    id         INTEGER PRIMARY KEY,
    office_id  BIGINT NOT NULL REFERENCES offices(id),
    user_id    BIGINT NOT NULL REFERENCES users(id),
    actor_id   BIGINT REFERENCES users(id),
    kind       TEXT NOT NULL,
    address    TEXT NOT NULL DEFAULT '',
    at         BIGINT NOT NULL
);
CREATE INDEX security_events_user ON security_events(user_id, at);
CREATE INDEX security_events_office ON security_events(office_id, at);

-- Single sign-on through the office's identity provider (OpenID Connect):
-- a sign-in sent to the provider and not yet back. The state's hash is the
-- key; the nonce and the PKCE verifier are checked when it returns, once.
CREATE TABLE sso_requests (
    state_hash   TEXT PRIMARY KEY,
    nonce        TEXT NOT NULL,
    verifier     TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    next         TEXT NOT NULL,
    expires_at   BIGINT NOT NULL
);

-- Security keys and passkeys (WebAuthn) as a second factor: the credential
-- (public key, signature counter) as webauthn-rs keeps it, in JSON.
CREATE TABLE security_keys (
    id           INTEGER PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users(id),
    name         TEXT NOT NULL,
    credential   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT
);
CREATE INDEX security_keys_user ON security_keys(user_id);

-- A WebAuthn ceremony under way (registering a key, or signing in with
-- one): its challenge state, used once, wherever the next request lands.
CREATE TABLE webauthn_challenges (
    challenge_key TEXT PRIMARY KEY,
    state         TEXT NOT NULL,
    expires_at    BIGINT NOT NULL
);
