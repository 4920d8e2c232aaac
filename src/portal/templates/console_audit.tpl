{{%AUTOESCAPE context="HTML"}}<h1>Audit trail</h1>
<p>{{SCOPE}} Newest first.</p>
<form method="get" action="/console/audit" class="filters">
<label for="action">Action begins with</label>
<input id="action" name="action" type="text" maxlength="64" value="{{ACTION}}">
<label for="result">Result</label>
<select id="result" name="result">
<option value=""{{#ANY}} selected{{/ANY}}>any</option>
<option value="ok"{{#OK}} selected{{/OK}}>ok</option>
<option value="refused"{{#REFUSED}} selected{{/REFUSED}}>refused</option>
<option value="failed"{{#FAILED}} selected{{/FAILED}}>failed</option>
</select>
<button type="submit">Show</button>
</form>
<p>Export what is shown (every page of it): <a href="/console/audit/export?format=csv&amp;action={{ACTION:u}}&amp;result={{RESULT_FILTER:u}}">CSV</a> · <a href="/console/audit/export?format=jsonl&amp;action={{ACTION:u}}&amp;result={{RESULT_FILTER:u}}">JSON Lines</a>. Each export is recorded in the trail.</p>
<table class="audit">
<caption>{{COUNT}} record(s)</caption>
<thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">Subject</th><th scope="col">Result</th><th scope="col">From</th></tr></thead>
<tbody>
{{#RECORD}}<tr><td>{{WHEN}}</td><td>{{ACTOR}}<br><span class="small">{{ACTOR_KIND}}</span></td><td>{{ACTION}}</td><td>{{SUBJECT}}</td><td>{{RESULT}}</td><td>{{CLIENT}}</td></tr>
{{/RECORD}}</tbody>
</table>
{{#MORE}}<p><a href="/console/audit?action={{ACTION:u}}&amp;result={{RESULT_FILTER:u}}&amp;before={{BEFORE}}">Older records</a></p>{{/MORE}}
