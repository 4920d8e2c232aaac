{{%AUTOESCAPE context="HTML"}}<h1>Confirm your email address</h1>
<p>Confirm that <strong>{{ADDRESS}}</strong> is yours to finish creating your account.</p>
<form method="post" action="/account/confirm" class="account">
<input type="hidden" name="csrf" value="{{CSRF}}">
<input type="hidden" name="token" value="{{TOKEN}}">
<button type="submit">Confirm my address</button>
</form>
