{{%AUTOESCAPE context="HTML"}}<h1>Two-step sign-in</h1>
{{#REQUIRED}}<div class="notice"><p>Your organisation requires two-step sign-in for its console{{#MUST_ENROL}}: set up codes or add a passkey to go on{{/MUST_ENROL}}.</p></div>{{/REQUIRED}}
{{#ON}}<p>Two-step sign-in is <strong>on</strong>: signing in asks for a code from the authenticator app on your phone (or one of your recovery codes) after your password.</p>
{{#CAN_TURN_OFF}}<form method="post" action="/console/two-step/off" class="account">
<input type="hidden" name="csrf" value="{{CSRF}}">
<label for="password">To turn it off, enter your password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="256">
<button type="submit" class="secondary">Turn two-step sign-in off</button>
</form>{{/CAN_TURN_OFF}}{{/ON}}
{{#OFF}}<p>Two-step sign-in is <strong>off</strong>. With it on, signing in also asks for a code from an authenticator app on your phone, so a stolen password is not enough.</p>
<form method="post" action="/console/two-step/start" class="account">
<input type="hidden" name="csrf" value="{{CSRF}}">
<button type="submit">Turn on two-step sign-in</button>
</form>{{/OFF}}
<h2 id="passkeys">Passkeys</h2>
{{#ERROR}}<div class="error" role="alert" id="form-error"><p>{{ERROR_TEXT}}</p></div>{{/ERROR}}
{{#NOTICE}}<div class="notice" role="status"><p>{{NOTICE_TEXT}}</p></div>{{/NOTICE}}
{{#PASSKEYS_OFF}}<p>Passkeys cannot be used with this server: {{WHY}}</p>{{/PASSKEYS_OFF}}
{{#PASSKEYS_ON}}<p>A passkey signs you in with your phone, your computer’s fingerprint reader or face sign-in, or a security key, instead of your password and a code. It cannot be guessed, phished or reused on another site. {{#REQUIRED}}It counts as two-step sign-in: with a passkey, your password alone no longer signs you in.{{/REQUIRED}}</p>
{{#NO_PASSKEY}}<p>You have no passkey yet.</p>{{/NO_PASSKEY}}
{{#PASSKEY}}<section class="client" aria-labelledby="passkey-{{N}}">
<h3 id="passkey-{{N}}">{{NAME}}</h3>
<dl class="meta"><dt>Added</dt><dd>{{ADDED}}</dd><dt>Last used</dt><dd>{{USED}}</dd><dt>Kept</dt><dd>{{KEPT}}</dd></dl>
<form method="post" action="/console/passkeys/delete">
<input type="hidden" name="csrf" value="{{CSRF}}">
<input type="hidden" name="credential" value="{{ID}}">
<button type="submit" class="secondary">Remove<span class="visually-hidden"> the passkey {{NAME}}</span></button>
</form>
</section>
{{/PASSKEY}}
<form method="post" action="/console/passkeys" class="account" id="passkey-add" data-challenge="/console/passkeys/challenge">
<input type="hidden" name="csrf" value="{{CSRF}}">
<input type="hidden" name="client_data" value="">
<input type="hidden" name="attestation" value="">
<label for="passkey-name">A name for the new passkey</label>
<input id="passkey-name" name="name" type="text" required maxlength="60" aria-describedby="passkey-name-hint">
<p class="hint" id="passkey-name-hint">So you know which it is: “Work laptop”, “Blue security key”.</p>
<label for="passkey-password">Your password</label>
<input id="passkey-password" name="password" type="password" autocomplete="current-password" required maxlength="256">
<button type="submit">Add a passkey</button>
<p id="passkey-status" role="status" class="hint"></p>
</form>
<script src="/static/console-passkeys.js" defer></script>{{/PASSKEYS_ON}}
