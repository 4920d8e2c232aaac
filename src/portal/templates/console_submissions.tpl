{{%AUTOESCAPE context="HTML"}}{{#FORMS}}<h1>Form submissions</h1>
<p>What people sent through the secure forms you read. Each is kept encrypted for the time its form says, and each look at one is recorded in the audit trail.</p>
{{#NO_FORMS}}<p>No form sends its submissions to you.</p>{{/NO_FORMS}}
<ul class="console-areas">
{{#FORM}}<li><a href="/console/submissions/{{NAME}}">{{TITLE}}</a> <span class="small">/f/{{NAME}}, account {{ACCOUNT}}</span></li>
{{/FORM}}</ul>{{/FORMS}}{{#LIST}}<h1>Submissions: {{TITLE}}</h1>
<form method="get" action="/console/submissions/{{NAME}}" class="filters" role="search">
<label for="q">Search the answers</label>
<input id="q" name="q" type="search" value="{{SEARCH}}" maxlength="200">
<button type="submit">Search</button>
</form>
{{#SEARCHED}}<p class="small">Searched the newest {{SCOPE}} submissions.</p>{{/SEARCHED}}
<table class="audit">
<caption>{{COUNT}} submission(s), newest first</caption>
<thead><tr><th scope="col">Received</th><th scope="col">Answers</th><th scope="col">Files</th></tr></thead>
<tbody>
{{#ROW}}<tr><td><a href="/console/submissions/{{NAME}}/{{ID}}">{{WHEN}}</a></td><td>{{SUMMARY}}</td><td>{{FILES}}</td></tr>
{{/ROW}}</tbody>
</table>
{{#EMPTY}}<p>Nothing yet.</p>{{/EMPTY}}
{{#MORE}}<p><a href="/console/submissions/{{NAME}}?before={{AFTER:u}}">Older submissions</a></p>{{/MORE}}
<p>Export every submission: <a href="/console/submissions/{{NAME}}?export=csv">CSV</a> · <a href="/console/submissions/{{NAME}}?export=jsonl">JSON Lines</a></p>
<p><a href="/console/submissions">Back to the forms</a></p>{{/LIST}}
