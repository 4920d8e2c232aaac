{{%AUTOESCAPE context="HTML"}}<h1>Users</h1>
<p>{{SCOPE}} A user with a console role gets an email with a link to choose their password.</p>
{{#ERROR}}<div class="error" role="alert" id="form-error"><p>{{ERROR_TEXT}}</p></div>{{/ERROR}}
{{#NOTICE}}<div class="notice" role="status"><p>{{NOTICE_TEXT}}</p></div>{{/NOTICE}}
<table class="audit">
<caption>{{COUNT}} user(s)</caption>
<thead><tr><th scope="col">User</th><th scope="col">Console role</th><th scope="col">SMTP login</th></tr></thead>
<tbody>
{{#USER}}<tr><td><a href="/console/settings/user/{{ADDRESS_PATH}}">{{ADDRESS}}</a></td><td>{{ROLE}}{{#CHANGE}}
<form method="post" action="/console/users/{{ADDRESS_PATH}}/role" class="filters">
<input type="hidden" name="csrf" value="{{CSRF}}">
<label class="visually-hidden" for="role-{{ADDRESS}}">New role for {{ADDRESS}}</label>
<select id="role-{{ADDRESS}}" name="role">
{{#ROLE_OPTION}}<option value="{{VALUE}}"{{#SELECTED}} selected{{/SELECTED}}>{{LABEL}}</option>
{{/ROLE_OPTION}}</select>
<button type="submit" class="secondary">Change<span class="visually-hidden"> the role of {{ADDRESS}}</span></button>
</form>{{/CHANGE}}</td><td>{{SMTP}}</td></tr>
{{/USER}}</tbody>
</table>
<h2>Add a user</h2>
<form method="post" action="/console/users">
<input type="hidden" name="csrf" value="{{CSRF}}">
<label for="address">Email address</label>
<input id="address" name="address" type="email" required maxlength="254" autocomplete="off">
{{#NEW}}<label for="role">Console role</label>
<select id="role" name="role">
{{#ROLE_OPTION}}<option value="{{VALUE}}"{{#SELECTED}} selected{{/SELECTED}}>{{LABEL}}</option>
{{/ROLE_OPTION}}</select>{{/NEW}}
<button type="submit">Add the user</button>
</form>
<h2>Delete a user</h2>
<p>Their SMTP login, console sign-in and personal address book go and their API clients are revoked; the messages they sent stay with the account.</p>
<form method="post" action="/console/users/delete">
<input type="hidden" name="csrf" value="{{CSRF}}">
<label for="delete-address">User</label>
<select id="delete-address" name="address" required>
<option value="">Choose…</option>
{{#DELETABLE}}<option value="{{ADDRESS}}">{{ADDRESS}}</option>
{{/DELETABLE}}</select>
<div class="check-row"><input id="delete-confirm" name="confirm" type="checkbox" value="yes" required><label for="delete-confirm">Yes, delete it</label></div>
<button type="submit" class="secondary">Delete</button>
</form>
