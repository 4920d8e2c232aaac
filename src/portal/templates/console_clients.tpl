{{%AUTOESCAPE context="HTML"}}<h1>API clients</h1>
<p>The credentials your integrations (an EHR, a lab system, a script) present to the API. A client’s secret is shown once, when it is made or replaced; only a hash of it is kept.</p>
{{#ERROR}}<div class="error" role="alert" id="form-error"><p>{{ERROR_TEXT}}</p></div>{{/ERROR}}
{{#NOTICE}}<div class="notice" role="status"><p>{{NOTICE_TEXT}}</p></div>{{/NOTICE}}
{{#NONE}}<p>No API client yet.</p>{{/NONE}}
{{#CLIENT}}<section class="client" aria-labelledby="client-{{ID}}">
<h2 id="client-{{ID}}">{{NAME}}</h2>
<dl class="meta"><dt>Id</dt><dd class="fingerprint">{{ID}}</dd><dt>Account</dt><dd>{{ACCOUNT}}</dd><dt>Sends as</dt><dd>{{USER}}</dd><dt>Scopes</dt><dd>{{SCOPES}}</dd><dt>Rate limit</dt><dd>{{RATE}}</dd><dt>Made</dt><dd>{{CREATED}}</dd><dt>Last used</dt><dd>{{USED}}</dd><dt>State</dt><dd>{{STATE}}</dd></dl>
{{#ACTIVE}}<form method="post" action="/console/clients/{{ID}}/rotate">
<input type="hidden" name="csrf" value="{{CSRF}}">
<label for="grace-{{ID}}">Minutes the old secret keeps working</label>
<input id="grace-{{ID}}" name="grace" type="text" inputmode="numeric" pattern="[0-9]*" maxlength="5" value="0">
<button type="submit" class="secondary">New secret<span class="visually-hidden"> for {{NAME}}</span></button>
</form>
<form method="post" action="/console/clients/{{ID}}/revoke">
<input type="hidden" name="csrf" value="{{CSRF}}">
<div class="check-row"><input id="revoke-{{ID}}" name="confirm" type="checkbox" value="yes" required><label for="revoke-{{ID}}">Yes, revoke it</label></div>
<button type="submit" class="secondary">Revoke<span class="visually-hidden"> {{NAME}}</span></button>
</form>{{/ACTIVE}}
</section>
{{/CLIENT}}
<h2>Make a client</h2>
<form method="post" action="/console/clients">
<input type="hidden" name="csrf" value="{{CSRF}}">
<label for="client-name">What it is for</label>
<input id="client-name" name="name" type="text" required maxlength="200">
<label for="client-account">Account</label>
<select id="client-account" name="account" required>
{{#ACCOUNT_OPTION}}<option value="{{NAME}}">{{NAME}}</option>
{{/ACCOUNT_OPTION}}</select>
<label for="client-user">Sends only as (optional)</label>
<input id="client-user" name="user" type="email" maxlength="254" autocomplete="off" aria-describedby="client-user-hint">
<p class="hint" id="client-user-hint">A user of the account: the client then sends as them alone, and holds the messages scopes only.</p>
<fieldset><legend>Scopes</legend>
{{#SCOPE}}<div class="check-row"><input type="checkbox" id="scope-{{NAME}}" name="scope" value="{{NAME}}"><label for="scope-{{NAME}}">{{NAME}}</label></div>
{{/SCOPE}}</fieldset>
<label for="client-rate">Requests a minute (optional)</label>
<input id="client-rate" name="rate" type="text" inputmode="numeric" pattern="[0-9]*" maxlength="7" aria-describedby="client-rate-hint">
<p class="hint" id="client-rate-hint">Empty: the server’s default.</p>
<button type="submit">Make the client</button>
</form>
