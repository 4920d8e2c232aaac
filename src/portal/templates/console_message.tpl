{{%AUTOESCAPE context="HTML"}}<h1>A sent message</h1>
{{#JUST_SENT}}<div class="notice" role="status"><p>Sent.{{#SAVED}} The question and answer are saved in your address book.{{/SAVED}}</p></div>{{/JUST_SENT}}
<dl class="meta">
<dt>Sent</dt><dd>{{SENT_AT}}</dd>
<dt>Can be opened until</dt><dd>{{EXPIRES_AT}}</dd>
{{#RETRACTED}}<dt>Withdrawn</dt><dd>{{WHEN}}: nobody can open it.</dd>{{/RETRACTED}}
{{#EXPIRED}}<dt>Expired</dt><dd>nobody can open it.</dd>{{/EXPIRED}}
</dl>
<table class="audit">
<caption>Recipients</caption>
<thead><tr><th scope="col">Recipient</th><th scope="col">How</th><th scope="col">Status</th><th scope="col">Why</th></tr></thead>
<tbody>
{{#RECIPIENT}}<tr><td>{{ADDRESS}}<br><span class="small">{{KIND}}</span></td><td>{{METHOD}}</td><td class="status">{{STATUS}}</td><td class="small">{{WHY}}</td></tr>
{{/RECIPIENT}}</tbody>
</table>
{{#CONTROLS}}<h2>Change it</h2>
<form method="post" action="/console/sent/{{ID}}/extend" class="filters">
<input type="hidden" name="csrf" value="{{CSRF}}">
<label for="days">Can be opened for (days from now)</label>
<input id="days" name="days" type="text" inputmode="numeric" pattern="[0-9]*" maxlength="4" required>
<button type="submit">Change</button>
</form>
<form method="post" action="/console/sent/{{ID}}/retract">
<input type="hidden" name="csrf" value="{{CSRF}}">
<p>Withdrawing it destroys its keys at once: no link opens it again.</p>
<button type="submit" class="secondary">Withdraw it</button>
</form>{{/CONTROLS}}
<h2>What happened</h2>
<table class="audit">
<caption>Events, oldest first</caption>
<thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col">Recipient</th><th scope="col">Detail</th></tr></thead>
<tbody>
{{#EVENT}}<tr><td>{{WHEN}}</td><td>{{TYPE}}</td><td>{{RECIPIENT}}</td><td class="small">{{DETAIL}}</td></tr>
{{/EVENT}}</tbody>
</table>
<p><a href="/console/sent">All your sent messages</a></p>
