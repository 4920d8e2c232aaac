{{%AUTOESCAPE context="HTML"}}<h1>Sign in to read your secure message</h1>
<p>{{SENDER}} sent a secure message to <strong>{{ADDRESS}}</strong>. Sign in to your account for this address to read it.</p>
{{#ERROR}}<div class="error" role="alert" id="form-error"><p>{{ERROR_TEXT}}</p></div>{{/ERROR}}
<form method="post" action="/r/{{RID}}/login" class="account">
<input type="hidden" name="csrf" value="{{CSRF}}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="256"{{#ERROR}} aria-invalid="true" aria-describedby="form-error"{{/ERROR}}>
<button type="submit">Sign in</button>
</form>
<p><a href="/account/reset">Forgot your password?</a></p>
<p class="small">You can open this message until {{EXPIRES}}.</p>
