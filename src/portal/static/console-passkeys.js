// Passkeys in the console (issue 22). The server makes each challenge and checks every
// answer; this script asks the browser for a passkey with the server's challenge and
// puts the browser's answer into the form, which then posts as any other form (so the
// server's page, with its words, comes back as a page). Signing in with a passkey is
// offered only where the browser has passkeys; without script the password form stays.
(function () {
  'use strict';
  var signIn = document.getElementById('passkey-sign-in');
  var add = document.getElementById('passkey-add');
  var form = signIn || add;
  if (!form) return;
  var status = document.getElementById('passkey-status');
  if (!window.PublicKeyCredential || !navigator.credentials || !window.fetch) {
    if (add) status.textContent = 'This browser cannot make passkeys.';
    return;
  }
  if (signIn) signIn.hidden = false;

  function text(buffer) {
    var bytes = new Uint8Array(buffer);
    var s = '';
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }
  function bytes(b64url) {
    var s = atob(b64url.replace(/-/g, '+').replace(/_/g, '/'));
    var out = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }
  function field(name) { return form.elements.namedItem(name); }

  // The server's challenge (and, to make one, what the passkey is for).
  function options() {
    var body = new URLSearchParams();
    body.set('csrf', field('csrf').value);
    return fetch(form.dataset.challenge, {
      method: 'POST', body: body, credentials: 'same-origin',
      headers: { Accept: 'application/json' },
    }).then(function (r) {
      return r.json().then(function (o) {
        if (!r.ok) throw new Error(o.detail || o.title);
        return o;
      });
    });
  }

  function signInWith(o) {
    return navigator.credentials.get({ publicKey: {
      challenge: bytes(o.challenge), rpId: o.rpId, timeout: o.timeout,
      userVerification: 'required', allowCredentials: [],
    } }).then(function (c) {
      field('credential').value = text(c.rawId);
      field('client_data').value = text(c.response.clientDataJSON);
      field('authenticator_data').value = text(c.response.authenticatorData);
      field('signature').value = text(c.response.signature);
      field('user_handle').value = c.response.userHandle ? text(c.response.userHandle) : '';
    });
  }

  function make(o) {
    return navigator.credentials.create({ publicKey: {
      rp: { id: o.rpId, name: o.rpName },
      user: { id: bytes(o.userId), name: o.userName, displayName: o.userName },
      challenge: bytes(o.challenge),
      pubKeyCredParams: o.algorithms.map(function (a) { return { type: 'public-key', alg: a }; }),
      excludeCredentials: o.exclude.map(function (id) { return { type: 'public-key', id: bytes(id) }; }),
      authenticatorSelection: { residentKey: 'required', requireResidentKey: true,
                                userVerification: 'required' },
      attestation: 'none', timeout: o.timeout,
    } }).then(function (c) {
      field('client_data').value = text(c.response.clientDataJSON);
      field('attestation').value = text(c.response.attestationObject);
    });
  }

  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var button = form.querySelector('button[type=submit]');
    button.disabled = true;
    status.textContent = 'Waiting for your passkey…';
    options().then(signIn ? signInWith : make).then(function () {
      status.textContent = 'Checking…';
      form.submit();  // a plain post: no second submit event
    }).catch(function (err) {
      button.disabled = false;
      status.textContent = err && err.name === 'NotAllowedError'
        ? 'No passkey was used (cancelled, or it took too long). Try again.'
        : 'The passkey did not work: ' + (err && err.message ? err.message : String(err));
    });
  });
})();
