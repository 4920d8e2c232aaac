{{%AUTOESCAPE context="HTML"}}<h1>Forgot your console password?</h1>
<p>Enter the email address you sign in with and we will email it a link to choose a new password.</p>
{{#ERROR}}<div class="error" role="alert" id="form-error"><p>{{ERROR_TEXT}}</p></div>{{/ERROR}}
<form method="post" action="/console/reset" class="account">
<input type="hidden" name="csrf" value="{{CSRF}}">
<label for="address">Email address</label>
<input id="address" name="address" type="email" autocomplete="email" required maxlength="254"{{#ERROR}} aria-invalid="true" aria-describedby="form-error"{{/ERROR}}>
<button type="submit">Email me a link</button>
</form>
