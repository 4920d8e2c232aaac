{{%AUTOESCAPE context="HTML"}}<h1>Two-step sign-in</h1>
{{#REQUIRED}}<div class="notice"><p>Your organisation requires two-step sign-in for its console{{#OFF}}: set it up to go on{{/OFF}}.</p></div>{{/REQUIRED}}
{{#ON}}<p>Two-step sign-in is <strong>on</strong>: signing in asks for a code from the authenticator app on your phone (or one of your recovery codes) after your password.</p>
{{#CAN_TURN_OFF}}<form method="post" action="/console/two-step/off" class="account">
<input type="hidden" name="csrf" value="{{CSRF}}">
<label for="password">To turn it off, enter your password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="256">
<button type="submit" class="secondary">Turn two-step sign-in off</button>
</form>{{/CAN_TURN_OFF}}{{/ON}}
{{#OFF}}<p>Two-step sign-in is <strong>off</strong>. With it on, signing in also asks for a code from an authenticator app on your phone, so a stolen password is not enough.</p>
<form method="post" action="/console/two-step/start" class="account">
<input type="hidden" name="csrf" value="{{CSRF}}">
<button type="submit">Turn on two-step sign-in</button>
</form>{{/OFF}}
