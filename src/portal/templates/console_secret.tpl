{{%AUTOESCAPE context="HTML"}}<h1>{{HEADING}}</h1>
<div class="notice" role="status"><p>The secret of {{NAME}}, shown this once: copy it into the integration now. Nobody can show it again; if it is lost, make a new one.</p></div>
<p>{{WHAT}}:</p>
<p><code id="credentials" class="fingerprint">{{SECRET}}</code></p>
{{#PREVIOUS}}<p>{{PREVIOUS_TEXT}}</p>{{/PREVIOUS}}
<p><a href="{{BACK}}">{{BACK_LABEL}}</a></p>
