{{%AUTOESCAPE context="HTML"}}<h1>Template {{NAME}}</h1>
<p><a href="/console/campaigns">All campaigns</a></p>
{{#ERROR}}<div class="error" role="alert"><p>{{ERROR_TEXT}}</p></div>{{/ERROR}}
{{#PHI}}<p>It carries health data: it is never sent in clear, and opens and clicks are never counted.</p>{{/PHI}}
<h2>As written</h2>
<dl class="facts"><dt>Subject</dt><dd><code>{{SUBJECT}}</code></dd></dl>
<pre class="code">{{TEXT}}</pre>
<h2>As a contact gets it</h2>
<form method="get" action="/console/templates/{{HREF}}">
<label for="preview-contact">A contact’s address</label>
<input id="preview-contact" name="contact" type="email" required value="{{CONTACT}}" autocomplete="off">
<button type="submit">Preview</button>
</form>
{{#PREVIEW}}<dl class="facts"><dt>Subject</dt><dd>{{SUBJECT}}</dd></dl>
<pre class="code">{{TEXT}}</pre>
{{#HTML}}<iframe title="The HTML part" sandbox srcdoc="{{SRCDOC}}" class="preview"></iframe>{{/HTML}}{{/PREVIEW}}
