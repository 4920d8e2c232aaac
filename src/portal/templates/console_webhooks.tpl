{{%AUTOESCAPE context="HTML"}}<h1>Webhooks</h1>
<p>Where sealpost posts what happens to messages (accepted, delivered, viewed, locked…), signed with each endpoint’s secret, so that your systems hear of it without asking. Content is never sent; the subject only if an endpoint asks for it.</p>
{{#ERROR}}<div class="error" role="alert" id="form-error"><p>{{ERROR_TEXT}}</p></div>{{/ERROR}}
{{#NOTICE}}<div class="notice" role="status"><p>{{NOTICE_TEXT}}</p></div>{{/NOTICE}}
{{#NONE}}<p>No webhook endpoint yet.</p>{{/NONE}}
{{#ENDPOINT}}<section class="webhook" aria-labelledby="webhook-{{ID}}">
<h2 id="webhook-{{ID}}" class="fingerprint">{{URL}}</h2>
<dl class="meta"><dt>Id</dt><dd class="fingerprint">{{ID}}</dd><dt>Account</dt><dd>{{ACCOUNT}}</dd><dt>Events</dt><dd>{{EVENTS}}</dd><dt>Subject</dt><dd>{{SUBJECT}}</dd><dt>About</dt><dd>{{DESCRIPTION}}</dd><dt>State</dt><dd>{{STATE}}</dd><dt>Last delivered</dt><dd>{{SUCCESS}}</dd></dl>
<p><a href="/console/webhooks/{{ID}}">Its deliveries<span class="visually-hidden"> ({{ID}})</span></a></p>
<form method="post" action="/console/webhooks/{{ID}}/enabled" class="inline">
<input type="hidden" name="csrf" value="{{CSRF}}">
<input type="hidden" name="to" value="{{SWITCH_TO}}">
<button type="submit" class="secondary">{{SWITCH_WORD}}<span class="visually-hidden"> ({{ID}})</span></button>
</form>
<form method="post" action="/console/webhooks/{{ID}}/rotate">
<input type="hidden" name="csrf" value="{{CSRF}}">
<label for="grace-{{ID}}">Minutes the old secret signs too</label>
<input id="grace-{{ID}}" name="grace" type="text" inputmode="numeric" pattern="[0-9]*" maxlength="5" value="1440">
<button type="submit" class="secondary">New secret<span class="visually-hidden"> ({{ID}})</span></button>
</form>
<form method="post" action="/console/webhooks/{{ID}}/delete">
<input type="hidden" name="csrf" value="{{CSRF}}">
<div class="check-row"><input id="delete-{{ID}}" name="confirm" type="checkbox" value="yes" required><label for="delete-{{ID}}">Yes, delete it</label></div>
<button type="submit" class="secondary">Delete<span class="visually-hidden"> ({{ID}})</span></button>
</form>
</section>
{{/ENDPOINT}}
<h2>Make a webhook</h2>
<form method="post" action="/console/webhooks">
<input type="hidden" name="csrf" value="{{CSRF}}">
<label for="webhook-url">URL</label>
<input id="webhook-url" name="url" type="text" required maxlength="2000" autocomplete="off" aria-describedby="webhook-url-hint">
<p class="hint" id="webhook-url-hint">HTTPS, on a public address (where the name leads is checked now and at each delivery).</p>
<label for="webhook-account">Account whose messages it hears of</label>
<select id="webhook-account" name="account" required>
{{#ACCOUNT_OPTION}}<option value="{{NAME}}">{{NAME}}</option>
{{/ACCOUNT_OPTION}}</select>
<fieldset><legend>Events</legend>
{{#EVENT}}<div class="check-row"><input type="checkbox" id="event-{{NAME}}" name="event" value="{{NAME}}"><label for="event-{{NAME}}">{{NAME}}</label></div>
{{/EVENT}}</fieldset>
<div class="check-row"><input type="checkbox" id="webhook-subject" name="with_subject" value="yes"><label for="webhook-subject">Send the message’s subject too (it may name a patient)</label></div>
<label for="webhook-description">About (optional)</label>
<input id="webhook-description" name="description" type="text" maxlength="500">
<label for="webhook-notify">Tell this address if it keeps failing (optional)</label>
<input id="webhook-notify" name="notify" type="email" maxlength="254" autocomplete="off">
<button type="submit">Make the webhook</button>
</form>
