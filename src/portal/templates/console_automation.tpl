{{%AUTOESCAPE context="HTML"}}<h1>Automation {{NAME}}</h1>
<p><a href="/console/campaigns">All campaigns</a></p>
<dl class="facts">
<dt>State</dt><dd>{{STATE}}</dd>
<dt>From</dt><dd>{{FROM}}</dd>
<dt>Started by</dt><dd><code>{{TRIGGER}}</code></dd>
<dt>Steps</dt><dd><code>{{STEPS}}</code></dd>
<dt>Opens and clicks</dt><dd>{{TRACKING}}</dd>
</dl>
<h2>Where contacts are</h2>
<table class="audit"><caption>The first contacts' places</caption>
<thead><tr><th scope="col">Contact</th><th scope="col">Started for</th><th scope="col">Step</th><th scope="col">State</th><th scope="col">Next</th><th scope="col">Why</th></tr></thead>
<tbody>{{#PLACE}}<tr><td>{{CONTACT}}</td><td>{{KEY}}</td><td>{{STEP}}</td><td>{{STATE}}</td><td>{{WHEN}}</td><td>{{DETAIL}}</td></tr>
{{/PLACE}}</tbody></table>
{{>REPORT}}
