{{%AUTOESCAPE context="HTML"}}<h1>Queue</h1>
<p>Mail on its way out: notices, copies and reports to senders. Contents are never shown here.</p>
<ul class="figures">{{#COUNT}}<li><strong>{{N}}</strong> {{STATE}}</li>{{/COUNT}}</ul>
<form method="get" action="/console/queue" class="filters">
<label for="state">State</label>
<select id="state" name="state">
<option value=""{{#ANY}} selected{{/ANY}}>any</option>
{{#STATE_OPTION}}<option value="{{NAME}}"{{#SELECTED}} selected{{/SELECTED}}>{{NAME}}</option>
{{/STATE_OPTION}}</select>
<button type="submit">Show</button>
</form>
<table class="audit">
<caption>{{SHOWN}} entr(ies), newest first</caption>
<thead><tr><th scope="col">To</th><th scope="col">State</th><th scope="col">Tries</th><th scope="col">Since</th><th scope="col">Next try</th><th scope="col">Last error</th></tr></thead>
<tbody>
{{#ENTRY}}<tr><td><a href="/console/queue/{{ID}}">{{TO}}</a></td><td>{{STATE}}</td><td>{{ATTEMPTS}}</td><td>{{CREATED}}</td><td>{{NEXT}}</td><td class="small">{{ERROR}}</td></tr>
{{/ENTRY}}</tbody>
</table>
