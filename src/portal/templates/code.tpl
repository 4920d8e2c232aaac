{{%AUTOESCAPE context="HTML"}}<h1>Enter your sign-in code</h1>
<p>Your account asks for a second step. Enter the 6-digit code your authenticator app shows now, or one of your recovery codes.</p>
{{#ERROR}}<div class="error" role="alert" id="form-error"><p>{{ERROR_TEXT}}</p></div>{{/ERROR}}
<form method="post" action="{{ACTION}}" class="account">
<input type="hidden" name="csrf" value="{{CSRF}}">
<label for="code">Code</label>
<input id="code" name="code" type="text" inputmode="text" autocomplete="one-time-code" autocapitalize="off" spellcheck="false" required maxlength="20"{{#ERROR}} aria-invalid="true" aria-describedby="form-error"{{/ERROR}}>
<button type="submit">Continue</button>
</form>
