{{%AUTOESCAPE context="HTML"}}<h1>{{TITLE}}</h1>
<dl class="meta"><dt>Received</dt><dd>{{WHEN}}</dd><dt>Kept until</dt><dd>{{KEPT_UNTIL}}</dd><dt>Reference</dt><dd>{{ID}}</dd></dl>
{{#STEP}}<h2>{{STEP_TITLE}}</h2>
<dl class="meta">{{#VALUE}}<dt>{{LABEL}}</dt><dd class="text-body">{{TEXT:pre_escape}}</dd>{{/VALUE}}</dl>
{{/STEP}}{{#HAS_CONSENT}}<p>Consent given: {{CONSENT}}</p>{{/HAS_CONSENT}}
{{#FILES}}<h2>Files</h2>
<ul class="attachments">
{{#FILE}}<li><a href="/console/submissions/{{NAME}}/{{ID}}/files/{{INDEX}}">{{FILE_NAME}}</a> <span class="small">{{TYPE}}, {{SIZE}}</span></li>
{{/FILE}}</ul>{{/FILES}}
<form method="post" action="/console/submissions/{{NAME}}/{{ID}}/delete">
<input type="hidden" name="csrf" value="{{CSRF}}">
<button type="submit" class="secondary">Delete this submission</button>
</form>
<p><a href="/console/submissions/{{NAME}}">Back to the submissions</a></p>
