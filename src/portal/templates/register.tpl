{{%AUTOESCAPE context="HTML"}}<h1>Create your account to read your secure message</h1>
<p>{{SENDER}} sent a secure message to <strong>{{ADDRESS}}</strong>. To read it, and later messages sent to this address, choose a password. We will then email you a link to confirm the address is yours.</p>
{{#ERROR}}<div class="error" role="alert" id="form-error"><p>{{ERROR_TEXT}}</p></div>{{/ERROR}}
<form method="post" action="/r/{{RID}}/register" class="account">
<input type="hidden" name="csrf" value="{{CSRF}}">
<p class="field-static"><span class="label">Email address</span> {{ADDRESS}}</p>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="{{MIN}}" maxlength="256" aria-describedby="password-hint{{#ERROR}} form-error{{/ERROR}}"{{#ERROR}} aria-invalid="true"{{/ERROR}}>
<p class="hint" id="password-hint">At least {{MIN}} characters. A few unrelated words are easy to remember and hard to guess.</p>
<label for="password2">The same password again</label>
<input id="password2" name="password2" type="password" autocomplete="new-password" required maxlength="256">
<button type="submit">Create account</button>
</form>
<p class="small">You can open this message until {{EXPIRES}}.</p>
