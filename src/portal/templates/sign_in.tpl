{{%AUTOESCAPE context="HTML"}}<h1>Sign in to your secure messages</h1>
<p>Sign in with the email address your secure messages from {{ORGANISATION}} were sent to.</p>
{{#ERROR}}<div class="error" role="alert" id="form-error"><p>{{ERROR_TEXT}}</p></div>{{/ERROR}}
<form method="post" action="/account/login" class="account">
<input type="hidden" name="csrf" value="{{CSRF}}">
<label for="address">Email address</label>
<input id="address" name="address" type="email" autocomplete="username" required maxlength="254" value="{{ADDRESS}}"{{#ERROR}} aria-invalid="true" aria-describedby="form-error"{{/ERROR}}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="256"{{#ERROR}} aria-invalid="true" aria-describedby="form-error"{{/ERROR}}>
<button type="submit">Sign in</button>
</form>
<p><a href="/account/reset">Forgot your password?</a></p>
<p class="small">No account yet? Open the link in the email about your first secure message to create one.</p>
