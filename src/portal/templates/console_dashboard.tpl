{{%AUTOESCAPE context="HTML"}}<h1>Dashboard</h1>
<p>The last {{DAYS}} days of {{SCOPE}}, as counted at {{COUNTED_AT}} (counted again at most once a minute). <a href="/console/dashboard?recount=1">Count again now</a></p>
<ul class="figures">
<li><strong>{{MESSAGES}}</strong> messages sent</li>
<li><strong>{{TLS_PERCENT}}%</strong> of {{DELIVERED}} deliveries over the network with TLS</li>
<li><strong>{{LOCKED}}</strong> copies locked by wrong answers</li>
<li><strong>{{EXPIRED}}</strong> messages expired</li>
</ul>
<h2>How recipients got their messages</h2>
<figure class="chart">{{METHODS_CHART:none}}</figure>
<details><summary>The numbers</summary>
<table class="audit">
<caption>Recipients per day, by method</caption>
<thead><tr><th scope="col">Day</th>{{#METHOD}}<th scope="col">{{NAME}}</th>{{/METHOD}}</tr></thead>
<tbody>
{{#DAY}}<tr><th scope="row">{{LABEL}}</th>{{#COUNT}}<td>{{N}}</td>{{/COUNT}}</tr>
{{/DAY}}</tbody>
</table></details>
<h2>Where recipients got to</h2>
<figure class="chart">{{STATUS_CHART:none}}</figure>
<details><summary>The numbers</summary>
<table class="audit"><caption>Recipients by status</caption>
<thead><tr><th scope="col">Status</th><th scope="col">Recipients</th></tr></thead>
<tbody>{{#STATUS}}<tr><td>{{NAME}}</td><td>{{N}}</td></tr>{{/STATUS}}</tbody></table></details>
<h2>Encrypted on the way</h2>
<figure class="chart">{{TLS_CHART:none}}</figure>
<h2>Mail waiting</h2>
{{#NO_DEFERRALS}}<p>No mail is waiting for a recipient’s server.</p>{{/NO_DEFERRALS}}
{{#DEFERRALS}}<figure class="chart">{{CHART:none}}</figure>
<details><summary>The numbers</summary>
<table class="audit"><caption>Deferred deliveries by recipient domain</caption>
<thead><tr><th scope="col">Domain</th><th scope="col">Waiting</th></tr></thead>
<tbody>{{#DEFERRED}}<tr><td>{{DOMAIN}}</td><td>{{N}}</td></tr>{{/DEFERRED}}</tbody></table></details>{{/DEFERRALS}}
