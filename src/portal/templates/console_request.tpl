{{%AUTOESCAPE context="HTML"}}<h1>Request to {{RECIPIENT}}</h1>
<dl class="meta"><dt>Made</dt><dd>{{MADE}}</dd><dt>Link works until</dt><dd>{{UNTIL}}</dd><dt>State</dt><dd>{{STATE}}</dd></dl>
<h2>What you asked for</h2>
<div class="text-body">{{NOTE:pre_escape}}</div>
{{#ANSWER}}<h2>Their answer, {{ANSWERED}}</h2>
<div class="text-body">{{TEXT:pre_escape}}</div>
<ul class="attachments">
{{#FILE}}<li><a href="/console/requests/{{ID}}/files/{{INDEX}}">{{FILE_NAME}}</a> <span class="small">{{TYPE}}, {{SIZE}}</span></li>
{{/FILE}}</ul>{{/ANSWER}}
<p><a href="/console/requests">Back to your requests</a></p>
