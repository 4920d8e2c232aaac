{{%AUTOESCAPE context="HTML"}}<h1>Organisation</h1>
<p>Accounts hold domains; a domain’s people send as its addresses. Each has settings of its own, which the levels below inherit.</p>
{{#ERROR}}<div class="error" role="alert" id="form-error"><p>{{ERROR_TEXT}}</p></div>{{/ERROR}}
<table class="audit">
<caption>{{ACCOUNTS}} account(s)</caption>
<thead><tr><th scope="col">Account</th><th scope="col">Domains</th><th scope="col">Since</th></tr></thead>
<tbody>
{{#ACCOUNT}}<tr><td><a href="/console/settings/account/{{NAME_PATH}}">{{NAME}}</a></td><td>{{#DOMAIN}}<a href="/console/settings/domain/{{DOMAIN_PATH}}">{{DOMAIN}}</a> {{/DOMAIN}}</td><td>{{CREATED}}</td></tr>
{{/ACCOUNT}}</tbody>
</table>
<p class="hint">An account’s or a domain’s name leads to its settings.</p>
<h2>Add an account</h2>
<form method="post" action="/console/organisation/accounts">
<input type="hidden" name="csrf" value="{{CSRF}}">
<label for="account-name">Name</label>
<input id="account-name" name="name" type="text" required maxlength="100" aria-describedby="account-hint">
<p class="hint" id="account-hint">A practice, a branch, a department: whatever its settings and billing follow.</p>
<button type="submit">Add the account</button>
</form>
<h2>Add a domain</h2>
<form method="post" action="/console/organisation/domains">
<input type="hidden" name="csrf" value="{{CSRF}}">
<label for="domain-name">Mail domain</label>
<input id="domain-name" name="domain" type="text" required maxlength="253" autocomplete="off" aria-describedby="domain-hint">
<p class="hint" id="domain-hint">As in its people’s addresses, e.g. clinic.example.</p>
<label for="domain-account">Account</label>
<select id="domain-account" name="account" required>
{{#ACCOUNT_OPTION}}<option value="{{NAME}}">{{NAME}}</option>
{{/ACCOUNT_OPTION}}</select>
<button type="submit">Add the domain</button>
</form>
<h2>Delete an account or a domain</h2>
<p>An account goes once it has no domains, a domain once it has no users. A domain’s settings and address books go with it; an account’s API clients are revoked and its webhooks go, while its messages stay until they expire.</p>
<form method="post" action="/console/organisation/delete">
<input type="hidden" name="csrf" value="{{CSRF}}">
<label for="delete-what">Account or domain</label>
<select id="delete-what" name="what" required>
<option value="">Choose…</option>
{{#DELETABLE}}<option value="{{VALUE}}">{{LABEL}}</option>
{{/DELETABLE}}</select>
<div class="check-row"><input id="delete-confirm" name="confirm" type="checkbox" value="yes" required><label for="delete-confirm">Yes, delete it</label></div>
<button type="submit" class="secondary">Delete</button>
</form>
