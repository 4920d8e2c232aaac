{{%AUTOESCAPE context="HTML"}}<h1>{{HEADING}}</h1>
<div class="notice" role="status"><p>The credentials of {{NAME}}, shown this once: copy them into the integration now. Nobody can show them again; if they are lost, give the client a new secret.</p></div>
<p>Credentials (id:secret):</p>
<p><code id="credentials" class="fingerprint">{{CREDENTIALS}}</code></p>
{{#PREVIOUS}}<p>{{PREVIOUS_TEXT}}</p>{{/PREVIOUS}}
<p><a href="/console/clients">Back to the API clients</a></p>
