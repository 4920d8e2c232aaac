{{%AUTOESCAPE context="HTML"}}<h1>Campaigns</h1>
<p>The account {{ACCOUNT}}’s campaigns and automations: each contact gets the method the policy engine chooses (a template that carries health data never goes in clear), at the campaign’s pace, and no one twice. Contacts, templates and campaigns are made with <code>sealpost admin</code> or the API (README: “Patient engagement”).</p>
{{#ERROR}}<div class="error" role="alert" id="segment-error"><p>{{ERROR_TEXT}}</p></div>{{/ERROR}}
{{#NOTICE}}<div class="notice" role="status"><p>{{NOTICE_TEXT}}</p></div>{{/NOTICE}}
<h2>Campaigns</h2>
{{#NO_CAMPAIGNS}}<p>No campaign yet.</p>{{/NO_CAMPAIGNS}}
<table class="audit"><caption>Campaigns, newest first</caption>
<thead><tr><th scope="col">Campaign</th><th scope="col">State</th><th scope="col">Scheduled for</th></tr></thead>
<tbody>{{#CAMPAIGN}}<tr><td><a href="/console/campaigns/{{HREF}}">{{NAME}}</a></td><td>{{STATE}}</td><td>{{WHEN}}</td></tr>
{{/CAMPAIGN}}</tbody></table>
<h2>Automations</h2>
{{#NO_AUTOMATIONS}}<p>No automation yet.</p>{{/NO_AUTOMATIONS}}
<ul>{{#AUTOMATION}}<li><a href="/console/automations/{{HREF}}">{{NAME}}</a> ({{STATE}})</li>
{{/AUTOMATION}}</ul>
<h2>Templates</h2>
<ul>{{#TEMPLATE}}<li><a href="/console/templates/{{HREF}}">{{NAME}}</a>{{#PHI}} (carries health data){{/PHI}}</li>
{{/TEMPLATE}}</ul>
<h2>Lists</h2>
<ul>{{#LIST}}<li>{{NAME}}: {{SUBSCRIBED}} subscribed</li>
{{/LIST}}</ul>
<h2>Segments</h2>
<table class="audit"><caption>Segments</caption>
<thead><tr><th scope="col">Segment</th><th scope="col">List</th><th scope="col">Condition</th></tr></thead>
<tbody>{{#SEGMENT}}<tr><td>{{NAME}}</td><td>{{LIST}}</td><td><code>{{CONDITION}}</code></td></tr>
{{/SEGMENT}}</tbody></table>
<h3>Make or change a segment</h3>
<form method="post" action="/console/segments">
<input type="hidden" name="csrf" value="{{CSRF}}">
<label for="segment-name">Name</label>
<input id="segment-name" name="name" type="text" maxlength="100" value="{{SEGMENT_NAME}}" autocomplete="off">
<label for="segment-list">List</label>
<select id="segment-list" name="list" required>
{{#LIST}}<option value="{{NAME}}"{{#SELECTED}} selected{{/SELECTED}}>{{NAME}}</option>
{{/LIST}}</select>
<label for="segment-condition">Condition (empty: everyone on the list)</label>
<textarea id="segment-condition" name="condition" rows="3" maxlength="4096" spellcheck="false" class="code" aria-describedby="segment-hint{{#ERROR}} segment-error{{/ERROR}}"{{#ERROR}} aria-invalid="true"{{/ERROR}}>{{SEGMENT_CONDITION}}</textarea>
<p class="hint" id="segment-hint">For example <code>last_visit &lt; 11 months ago and not @last_opened &gt; 30 days ago</code> (docs/segments.md).</p>
{{#COUNTED}}<p role="status">Of {{MEMBERS}} on the list, the condition matches <strong>{{MATCHED}}</strong>; {{SUPPRESSED}} of those are suppressed, so a campaign would write to <strong>{{REACHED}}</strong>.</p>{{/COUNTED}}
<button type="submit" name="action" value="count">Count</button>
<button type="submit" name="action" value="save">Save</button>
</form>
