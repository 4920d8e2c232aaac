{{%AUTOESCAPE context="HTML"}}<h1>Sign in to the console</h1>
<p>For people at {{ORGANISATION}} who send secure messages or run the service. Recipients of secure messages sign in from the link in their email instead.</p>
{{#ERROR}}<div class="error" role="alert" id="form-error"><p>{{ERROR_TEXT}}</p></div>{{/ERROR}}
<form method="post" action="/console/sign-in" class="account">
<input type="hidden" name="csrf" value="{{CSRF}}">
<label for="address">Email address</label>
<input id="address" name="address" type="email" autocomplete="username" required maxlength="254" value="{{ADDRESS}}"{{#ERROR}} aria-invalid="true" aria-describedby="form-error"{{/ERROR}}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="256"{{#ERROR}} aria-invalid="true" aria-describedby="form-error"{{/ERROR}}>
<button type="submit">Sign in</button>
</form>
{{#PASSKEYS}}<form method="post" action="/console/passkey/sign-in" class="account" id="passkey-sign-in" data-challenge="/console/passkey/challenge" hidden>
<input type="hidden" name="csrf" value="{{CSRF}}">
<input type="hidden" name="credential" value="">
<input type="hidden" name="client_data" value="">
<input type="hidden" name="authenticator_data" value="">
<input type="hidden" name="signature" value="">
<input type="hidden" name="user_handle" value="">
<p>Or, with no password to type:</p>
<button type="submit" class="secondary">Sign in with a passkey</button>
<p id="passkey-status" role="status" class="hint"></p>
</form>
<script src="/static/console-passkeys.js" defer></script>{{/PASSKEYS}}
<p><a href="/console/reset">Forgot your password?</a></p>
