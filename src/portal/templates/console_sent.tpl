{{%AUTOESCAPE context="HTML"}}<h1>Sent messages</h1>
<p>What you sent, newest first. Subjects and contents are not kept readable on the server.</p>
<table class="audit">
<caption>{{COUNT}} message(s)</caption>
<thead><tr><th scope="col">Sent</th><th scope="col">To</th><th scope="col">Where it is</th></tr></thead>
<tbody>
{{#MESSAGE}}<tr><td><a href="/console/sent/{{ID}}">{{WHEN}}</a></td><td>{{TO}}</td><td>{{STATES}}</td></tr>
{{/MESSAGE}}</tbody>
</table>
{{#MORE}}<p><a href="/console/sent?after={{AFTER:u}}">Older messages</a></p>{{/MORE}}
<p><a href="/console/compose">Write a message</a></p>
