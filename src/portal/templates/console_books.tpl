{{%AUTOESCAPE context="HTML"}}<h1>Address books</h1>
<p>Address books keep, for each recipient, the question that verifies them or the key or certificate their mail is encrypted to. A book belongs to an account, a domain or a user.</p>
{{#ERROR}}<div class="error" role="alert" id="form-error"><p>{{ERROR_TEXT}}</p></div>{{/ERROR}}
<h2>Open or make a book</h2>
<form method="get" action="/console/books">
<label for="level">Whose</label>
<select id="level" name="level">
<option value="domain">a domain’s</option>
<option value="account">an account’s</option>
<option value="user">a user’s</option>
</select>
<label for="owner">Owner</label>
<input id="owner" name="owner" type="text" required maxlength="254" value="{{OWNER}}" aria-describedby="owner-hint">
<p class="hint" id="owner-hint">The account’s name, the domain, or the user’s address.</p>
<label for="name">Book name</label>
<input id="name" name="name" type="text" required maxlength="100" value="{{NAME}}">
<button type="submit">Open</button>
</form>
