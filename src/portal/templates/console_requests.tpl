{{%AUTOESCAPE context="HTML"}}<h1>Ask for documents</h1>
<p>Send someone a link, good once, to a page where they upload what you ask for. It comes back to you as a secure message, encrypted from their browser on; what you ask for is shown on that page only, never in the email.</p>
{{#ERROR}}<div class="error" role="alert" id="form-error"><p>{{ERROR_TEXT}}</p></div>{{/ERROR}}
{{#NOTICE}}<div class="notice" role="status"><p>{{NOTICE_TEXT}}</p></div>{{/NOTICE}}
<form method="post" action="/console/requests">
<input type="hidden" name="csrf" value="{{CSRF}}">
<label for="request-to">To (their email address)</label>
<input id="request-to" name="to" type="email" required maxlength="254" value="{{TO}}" autocomplete="off">
<label for="request-message">What you ask for</label>
<textarea id="request-message" name="message" rows="5" required maxlength="{{MAX_NOTE}}">{{MESSAGE:pre_escape}}</textarea>
<label for="request-days">The link works for</label>
<select id="request-days" name="days">
{{#DAYS}}<option value="{{N}}"{{#SELECTED}} selected{{/SELECTED}}>{{N}} day(s)</option>
{{/DAYS}}</select>
<button type="submit">Send the link</button>
</form>
<h2>Your requests</h2>
{{#NONE}}<p>None yet.</p>{{/NONE}}
<table class="audit">
<caption>Newest first</caption>
<thead><tr><th scope="col">Made</th><th scope="col">To</th><th scope="col">State</th><th scope="col">Link works until</th></tr></thead>
<tbody>
{{#REQUEST}}<tr><td><a href="/console/requests/{{ID}}">{{MADE}}</a></td><td>{{RECIPIENT}}</td><td>{{STATE}}</td><td>{{UNTIL}}</td></tr>
{{/REQUEST}}</tbody>
</table>
