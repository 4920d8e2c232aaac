{{%AUTOESCAPE context="HTML"}}<h1>Queue entry</h1>
<dl class="meta">
<dt>Entry</dt><dd>{{ID}}</dd>
<dt>Message</dt><dd>{{MESSAGE}}</dd>
<dt>From</dt><dd>{{FROM}}</dd>
<dt>To</dt><dd>{{TO}}</dd>
<dt>State</dt><dd>{{STATE}}</dd>
<dt>Tries</dt><dd>{{ATTEMPTS}}</dd>
<dt>Since</dt><dd>{{CREATED}}</dd>
<dt>Next try</dt><dd>{{NEXT}}</dd>
<dt>TLS required</dt><dd>{{TLS_REQUIRED}}</dd>
<dt>Last error</dt><dd>{{ERROR}}</dd>
</dl>
<h2>Last delivery report</h2>
<dl class="meta">{{#REPORT}}<dt>{{LABEL}}</dt><dd>{{VALUE}}</dd>{{/REPORT}}</dl>
{{#WAITING}}<form method="post" action="/console/queue/{{ID}}/retry" class="inline">
<input type="hidden" name="csrf" value="{{CSRF}}">
<button type="submit">Try again now</button>
</form>
<form method="post" action="/console/queue/{{ID}}/delete">
<input type="hidden" name="csrf" value="{{CSRF}}">
<p>Deleting it removes its content: it is never sent.</p>
<button type="submit" class="secondary">Delete it</button>
</form>{{/WAITING}}
<p><a href="/console/queue">The queue</a></p>
