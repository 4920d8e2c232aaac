{{%AUTOESCAPE context="HTML"}}<h1>Choose your console password</h1>
<p>For <strong>{{ADDRESS}}</strong>. Anyone signed in with this address elsewhere will be signed out.</p>
{{#ERROR}}<div class="error" role="alert" id="form-error"><p>{{ERROR_TEXT}}</p></div>{{/ERROR}}
<form method="post" action="/console/reset/{{TOKEN}}" class="account">
<input type="hidden" name="csrf" value="{{CSRF}}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="{{MIN}}" maxlength="256" aria-describedby="password-hint{{#ERROR}} form-error{{/ERROR}}"{{#ERROR}} aria-invalid="true"{{/ERROR}}>
<p class="hint" id="password-hint">At least {{MIN}} characters; a few words you will remember are better than a short, complex one.</p>
<label for="password2">The same password again</label>
<input id="password2" name="password2" type="password" autocomplete="new-password" required maxlength="256">
<button type="submit">Set the password</button>
</form>
