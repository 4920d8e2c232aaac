{{%AUTOESCAPE context="HTML"}}<h1>Confirm your email address</h1>
<p>Confirm that <strong>{{ADDRESS}}</strong> is yours to finish creating your account.</p>
{{#ERROR}}<div class="error" role="alert" id="form-error"><p>{{ERROR_TEXT}}</p></div>{{/ERROR}}
<form method="post" action="/account/confirm" class="account">
<input type="hidden" name="csrf" value="{{CSRF}}">
<input type="hidden" name="token" value="{{TOKEN}}">
{{#ASK_PASSWORD}}<p>This is not the browser the account was registered in, so enter the password chosen then.</p>
<label for="password">Password chosen at registration</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="256"{{#ERROR}} aria-invalid="true" aria-describedby="form-error"{{/ERROR}}>
{{/ASK_PASSWORD}}<button type="submit">Confirm my address</button>
</form>
