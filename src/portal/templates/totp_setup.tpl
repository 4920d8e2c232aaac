{{%AUTOESCAPE context="HTML"}}<h1>Turn on two-step sign-in</h1>
<ol class="steps">
<li>Open an authenticator app on your phone and add an account by scanning this code:
<div class="qr-box">{{QR:none}}</div></li>
<li>If you cannot scan it, type this key into the app instead: <code class="key">{{KEY}}</code></li>
<li>Enter the 6-digit code the app now shows.</li>
</ol>
{{#ERROR}}<div class="error" role="alert" id="form-error"><p>{{ERROR_TEXT}}</p></div>{{/ERROR}}
<form method="post" action="{{BASE}}/confirm" class="account">
<input type="hidden" name="csrf" value="{{CSRF}}">
<label for="code">Code from the app</label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" required maxlength="6"{{#ERROR}} aria-invalid="true" aria-describedby="form-error"{{/ERROR}}>
<button type="submit">Turn on</button>
</form>
<p><a href="{{BACK}}">Cancel</a></p>
