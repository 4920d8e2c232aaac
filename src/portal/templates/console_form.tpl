{{%AUTOESCAPE context="HTML"}}<h1>The form {{NAME}}</h1>
<dl class="meta"><dt>Title</dt><dd>{{TITLE}}</dd><dt>Account</dt><dd>{{ACCOUNT}}</dd><dt>Namespace</dt><dd>{{NAMESPACE_SHOWN}}</dd><dt>Address</dt><dd class="fingerprint">/f/{{NAME}}</dd><dt>Recipients</dt><dd>{{RECIPIENTS}}</dd><dt>Fields</dt><dd>{{FIELDS}} in {{STEPS}} step(s)</dd><dt>Kept</dt><dd>{{RETENTION}} days</dd><dt>State</dt><dd>{{STATE}}</dd><dt>Made</dt><dd>{{CREATED}}</dd><dt>Changed</dt><dd>{{CHANGED}}</dd></dl>
{{#ERROR}}<div class="error" role="alert" id="form-error"><p>{{ERROR_TEXT}}</p></div>{{/ERROR}}
{{#NOTICE}}<div class="notice" role="status"><p>{{NOTICE_TEXT}}</p></div>{{/NOTICE}}
<h2>Publish it</h2>
<p>Its page: <a href="{{LINK}}">{{LINK}}</a>. Link to it from your website:</p>
<pre class="snippet">&lt;a href="{{LINK}}"&gt;{{TITLE}}&lt;/a&gt;</pre>
{{#FRAMED}}<p>Or show it inside a page of {{ORIGINS}} (no other site may frame it):</p>
<pre class="snippet">&lt;iframe src="{{LINK}}" title="{{TITLE}}" style="width:100%;min-height:60rem;border:0" loading="lazy"&gt;&lt;/iframe&gt;</pre>{{/FRAMED}}
{{#NOT_FRAMED}}<p>No website may show it inside its own pages; list the sites that may in the definition's <code>allowed_origins</code>.</p>{{/NOT_FRAMED}}
<h2>Change it</h2>
<form method="post" action="/console/forms/{{NAME}}">
<input type="hidden" name="csrf" value="{{CSRF}}">
<label for="form-namespace">Namespace (its brand and host; empty: the server’s)</label>
<select id="form-namespace" name="namespace">
<option value="">none</option>
{{#NAMESPACE_OPTION}}<option value="{{VALUE}}"{{#SELECTED}} selected{{/SELECTED}}>{{VALUE}}</option>
{{/NAMESPACE_OPTION}}</select>
<div class="check-row"><input id="form-enabled" name="enabled" type="checkbox" value="yes"{{#ENABLED}} checked{{/ENABLED}}><label for="form-enabled">It takes submissions</label></div>
<label for="form-definition">Definition (JSON)</label>
<textarea id="form-definition" name="definition" rows="18" required maxlength="262144" spellcheck="false" class="code"{{#ERROR}} aria-invalid="true" aria-describedby="form-error"{{/ERROR}}>{{DEFINITION}}</textarea>
<button type="submit">Save the form</button>
</form>
<h2>Delete it</h2>
<form method="post" action="/console/forms/{{NAME}}/delete">
<input type="hidden" name="csrf" value="{{CSRF}}">
<div class="check-row"><input id="form-delete" name="confirm" type="checkbox" value="yes" required><label for="form-delete">Yes, delete the form {{NAME}}</label></div>
<button type="submit" class="secondary">Delete</button>
</form>
<p><a href="/console/forms">Back to the forms</a></p>
