{{%AUTOESCAPE context="HTML"}}<h1>Forgot your password?</h1>
<p>Enter your email address and we will email you a link to choose a new password.</p>
<p>Whoever can read the mailbox of this address can choose a new password with that link, so keep your mailbox safe. Messages you open by answering a question do not depend on this password.</p>
{{#ERROR}}<div class="error" role="alert" id="form-error"><p>{{ERROR_TEXT}}</p></div>{{/ERROR}}
<form method="post" action="/account/reset" class="account">
<input type="hidden" name="csrf" value="{{CSRF}}">
<label for="address">Email address</label>
<input id="address" name="address" type="email" autocomplete="email" required maxlength="254"{{#ERROR}} aria-invalid="true" aria-describedby="form-error"{{/ERROR}}>
<button type="submit">Email me a link</button>
</form>
