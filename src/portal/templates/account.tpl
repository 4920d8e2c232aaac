{{%AUTOESCAPE context="HTML"}}<h1>Your account</h1>
<p>Signed in as <strong>{{ADDRESS}}</strong>.</p>
{{#MESSAGE_TEXT}}<div class="notice" role="status"><p>{{TEXT}}</p></div>{{/MESSAGE_TEXT}}
<h2>Two-step sign-in</h2>
{{#TOTP_ON}}<p>On: signing in asks for a code from your authenticator app (or a recovery code).</p>
{{#ERROR}}<div class="error" role="alert" id="form-error"><p>{{ERROR_TEXT}}</p></div>{{/ERROR}}
<form method="post" action="/account/totp/disable" class="account">
<input type="hidden" name="csrf" value="{{CSRF}}">
<label for="password">Your password, to turn it off</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="256"{{#ERROR}} aria-invalid="true" aria-describedby="form-error"{{/ERROR}}>
<button type="submit">Turn off two-step sign-in</button>
</form>{{/TOTP_ON}}
{{#TOTP_OFF}}<p>Off. With it on, signing in also asks for a code from an authenticator app on your phone, so a stolen password is not enough.</p>
<form method="post" action="/account/totp/start" class="account">
<input type="hidden" name="csrf" value="{{CSRF}}">
<button type="submit">Turn on two-step sign-in</button>
</form>{{/TOTP_OFF}}
<p><a href="/inbox">Your messages</a></p>
{{#BACK}}<p><a href="/r/{{RID}}">Back to the message</a></p>{{/BACK}}
<form method="post" action="/account/logout" class="signout">
<input type="hidden" name="csrf" value="{{CSRF}}">
<button type="submit">Sign out</button>
</form>
<form method="post" action="/account/logout-everywhere" class="signout">
<input type="hidden" name="csrf" value="{{CSRF}}">
<button type="submit">Sign out everywhere</button>
<p class="hint">Also ends your sessions in other browsers and devices.</p>
</form>
