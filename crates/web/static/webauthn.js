// Security keys (WebAuthn): the one script Casework pages use, and only on
// the account page and the second step of signing in. Everything else works
// without JavaScript; a security key cannot (the browser's WebAuthn API is a
// script API). Buttons carry their data in data-* attributes; a problem is
// shown in the element named by data-status.
'use strict';

const b64u = {
  enc(buf) {
    const bytes = new Uint8Array(buf);
    let s = '';
    for (const b of bytes) s += String.fromCharCode(b);
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  },
  dec(s) {
    const t = s.replace(/-/g, '+').replace(/_/g, '/');
    const bin = atob(t + '==='.slice((t.length + 3) % 4));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  },
};

async function post(url, fields) {
  const res = await fetch(url, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  });
  // A sign-in that expired meanwhile is sent back to the sign-in page.
  if (res.redirected) throw new Error('Your sign-in has expired. Start again from the sign-in page.');
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.error || 'The security key could not be used. Try again.');
  return body;
}

function say(button, text) {
  const out = document.getElementById(button.dataset.status);
  if (out) out.textContent = text;
}

async function addKey(button) {
  const name = document.getElementById(button.dataset.nameField).value;
  const csrf = button.dataset.csrf;
  const options = await post('/account/security-keys/begin', { csrf });
  const pk = options.publicKey;
  pk.challenge = b64u.dec(pk.challenge);
  pk.user.id = b64u.dec(pk.user.id);
  for (const c of pk.excludeCredentials || []) c.id = b64u.dec(c.id);
  say(button, 'Touch your security key now.');
  const cred = await navigator.credentials.create(options);
  const credential = {
    id: cred.id,
    rawId: b64u.enc(cred.rawId),
    type: cred.type,
    response: {
      attestationObject: b64u.enc(cred.response.attestationObject),
      clientDataJSON: b64u.enc(cred.response.clientDataJSON),
    },
    extensions: cred.getClientExtensionResults(),
  };
  await post('/account/security-keys/finish', { csrf, name, credential: JSON.stringify(credential) });
  window.location.assign('/account?notice=key_added');
}

async function useKey(button) {
  const csrf = button.dataset.csrf;
  const options = await post('/login/two-factor/key/begin', { csrf });
  const pk = options.publicKey;
  pk.challenge = b64u.dec(pk.challenge);
  for (const c of pk.allowCredentials || []) c.id = b64u.dec(c.id);
  say(button, 'Touch your security key now.');
  const a = await navigator.credentials.get(options);
  const credential = {
    id: a.id,
    rawId: b64u.enc(a.rawId),
    type: a.type,
    response: {
      authenticatorData: b64u.enc(a.response.authenticatorData),
      clientDataJSON: b64u.enc(a.response.clientDataJSON),
      signature: b64u.enc(a.response.signature),
      userHandle: a.response.userHandle ? b64u.enc(a.response.userHandle) : null,
    },
    extensions: a.getClientExtensionResults(),
  };
  const done = await post('/login/two-factor/key/finish', {
    csrf,
    next: button.dataset.next,
    credential: JSON.stringify(credential),
  });
  window.location.assign(done.next);
}

for (const button of document.querySelectorAll('button[data-webauthn]')) {
  if (!window.PublicKeyCredential) {
    say(button, 'This browser cannot use security keys.');
    continue;
  }
  button.hidden = false;
  say(button, '');
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await (button.dataset.webauthn === 'add' ? addKey(button) : useKey(button));
    } catch (err) {
      say(button, err.name === 'NotAllowedError' ? 'The security key was not used (cancelled or timed out). Try again.' : err.message);
      button.disabled = false;
    }
  });
}
