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
<p><a href="/console/reset">Forgot your password?</a></p>
