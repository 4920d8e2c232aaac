{{%AUTOESCAPE context="HTML"}}<h1>Development outbox</h1>
<p>In development mode, mail that would leave sealpost is kept here instead.</p>
{{#EMPTY}}<p>No mail yet.</p>{{/EMPTY}}
<ul class="outbox">
{{#MAIL}}<li><a href="/dev/outbox/{{NAME}}">{{NAME}}</a> to {{TO}}: {{SUBJECT}}</li>
{{/MAIL}}</ul>
