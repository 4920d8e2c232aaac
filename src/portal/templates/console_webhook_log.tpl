{{%AUTOESCAPE context="HTML"}}<h1>Deliveries of a webhook</h1>
<p>To <span class="fingerprint">{{URL}}</span> ({{STATE}}). Each event is tried again with growing pauses for a day when the endpoint does not take it; here is what each try got. Payloads are not shown (they name messages, never their content).</p>
{{#ERROR}}<div class="error" role="alert" id="form-error"><p>{{ERROR_TEXT}}</p></div>{{/ERROR}}
{{#NOTICE}}<div class="notice" role="status"><p>{{NOTICE_TEXT}}</p></div>{{/NOTICE}}
<form method="get" action="/console/webhooks/{{ID}}" class="filters">
<label for="state">State</label>
<select id="state" name="state">
<option value=""{{#ANY}} selected{{/ANY}}>any</option>
{{#STATE_OPTION}}<option value="{{NAME}}"{{#SELECTED}} selected{{/SELECTED}}>{{NAME}}</option>
{{/STATE_OPTION}}</select>
<button type="submit">Show</button>
</form>
<table class="audit">
<caption>{{SHOWN}} deliver(ies), newest first</caption>
<thead><tr><th scope="col">Event</th><th scope="col">Made</th><th scope="col">State</th><th scope="col">Tries</th><th scope="col">Last answer</th><th scope="col"><span class="visually-hidden">Again</span></th></tr></thead>
<tbody>
{{#DELIVERY}}<tr><td>{{EVENT}}<br><span class="small fingerprint">{{MESSAGE}}</span></td><td>{{MADE}}</td><td>{{DSTATE}}</td><td>{{ATTEMPTS}}{{#TRIES}}<details><summary>Each try<span class="visually-hidden"> of {{DID}}</span></summary><ul class="small">{{#TRY}}<li>{{AT}}: {{OUTCOME}} ({{MS}} ms)</li>{{/TRY}}</ul></details>{{/TRIES}}</td><td class="small">{{LAST}}</td><td>{{#AGAIN}}<form method="post" action="/console/webhooks/{{ID}}/deliveries/{{DID}}/redeliver">
<input type="hidden" name="csrf" value="{{CSRF}}">
<button type="submit" class="secondary">Send again<span class="visually-hidden"> ({{DID}})</span></button>
</form>{{/AGAIN}}</td></tr>
{{/DELIVERY}}</tbody>
</table>
{{#OLDER}}<p><a href="/console/webhooks/{{ID}}?state={{STATE_Q}}&amp;before={{BEFORE}}">Older deliveries</a></p>{{/OLDER}}
<p><a href="/console/webhooks">Back to the webhooks</a></p>
