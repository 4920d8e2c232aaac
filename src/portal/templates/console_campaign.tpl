{{%AUTOESCAPE context="HTML"}}<h1>Campaign {{NAME}}</h1>
<p><a href="/console/campaigns">All campaigns</a></p>
<dl class="facts">
<dt>State</dt><dd>{{STATE}}</dd>
<dt>From</dt><dd>{{FROM}}</dd>
<dt>Pace</dt><dd>{{PER_MINUTE}} a minute, {{PER_DOMAIN}} a minute to one domain</dd>
<dt>Opens and clicks</dt><dd>{{TRACKING}}</dd>
</dl>
<h2>Progress</h2>
<p><progress max="100" value="{{PERCENT}}" aria-describedby="progress-text">{{PERCENT}}%</progress> <span id="progress-text">{{DONE}} of {{TAKEN}} contacts written to{{#STILL_TAKING}} (the segment is still being taken){{/STILL_TAKING}}</span></p>
{{#ACTION}}<form method="post" action="/console/campaigns/{{HREF}}/{{ACTION}}" class="inline">
<input type="hidden" name="csrf" value="{{CSRF}}">
<button type="submit">{{LABEL}}</button>
</form>
{{/ACTION}}{{>REPORT}}
