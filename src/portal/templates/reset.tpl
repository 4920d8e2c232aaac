{{%AUTOESCAPE context="HTML"}}<h1>Choose a new password</h1>
<p>For <strong>{{ADDRESS}}</strong>. Anyone signed in to this account elsewhere will be signed out.</p>
{{#ERROR}}<div class="error" role="alert" id="form-error"><p>{{ERROR_TEXT}}</p></div>{{/ERROR}}
<form method="post" action="/account/reset/{{TOKEN}}" class="account">
<input type="hidden" name="csrf" value="{{CSRF}}">
<label for="password">New password</label>
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="{{MIN}}" maxlength="256" aria-describedby="password-hint{{#ERROR}} form-error{{/ERROR}}"{{#ERROR}} aria-invalid="true"{{/ERROR}}>
<p class="hint" id="password-hint">At least {{MIN}} characters.</p>
<label for="password2">The same password again</label>
<input id="password2" name="password2" type="password" autocomplete="new-password" required maxlength="256">
<button type="submit">Set the new password</button>
</form>
