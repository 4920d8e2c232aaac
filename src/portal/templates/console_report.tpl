{{%AUTOESCAPE context="HTML"}}<h2>What became of the messages</h2>
<ul class="figures">
<li><strong>{{SENT}}</strong> sent</li>
<li><strong>{{DELIVERED_SHARE}}</strong> delivered ({{DELIVERED}})</li>
<li><strong>{{OPENED_SHARE}}</strong> opened ({{OPENED}})</li>
<li><strong>{{CLICKED_SHARE}}</strong> clicked ({{CLICKED}})</li>
<li><strong>{{BOUNCED}}</strong> bounced, <strong>{{UNSUBSCRIBED}}</strong> unsubscribed, <strong>{{COMPLAINED}}</strong> complaints</li>
</ul>
<p><a href="{{CSV}}" download>Download the report (CSV)</a></p>
<figure class="chart">{{OUTCOME_CHART:none}}</figure>
{{#NOT_SENT}}<p>Not sent ({{STATE}}): {{N}}</p>
{{/NOT_SENT}}<h3>By method</h3>
<figure class="chart">{{METHOD_CHART:none}}</figure>
<table class="audit"><caption>Messages by method</caption>
<thead><tr><th scope="col">Method</th><th scope="col">Messages</th></tr></thead>
<tbody>{{#METHOD}}<tr><td>{{NAME}}</td><td>{{N}}</td></tr>{{/METHOD}}</tbody></table>
{{#STEPS}}<h3>By step</h3>
<table class="audit"><caption>Messages by step</caption>
<thead><tr><th scope="col">Step</th><th scope="col">Sent</th><th scope="col">Delivered</th><th scope="col">Bounced</th><th scope="col">Opened</th><th scope="col">Clicked</th><th scope="col">Unsubscribed</th><th scope="col">Complaints</th></tr></thead>
<tbody>{{#STEP}}<tr><th scope="row">{{STEP}}</th><td>{{SENT}}</td><td>{{DELIVERED}}</td><td>{{BOUNCED}}</td><td>{{OPENED}}</td><td>{{CLICKED}}</td><td>{{UNSUBSCRIBED}}</td><td>{{COMPLAINED}}</td></tr>
{{/STEP}}</tbody></table>{{/STEPS}}
<h3>By recipient domain</h3>
<figure class="chart">{{DOMAIN_CHART:none}}</figure>
<table class="audit"><caption>Messages by recipient domain</caption>
<thead><tr><th scope="col">Domain</th><th scope="col">Sent</th><th scope="col">Delivered</th><th scope="col">Bounced</th><th scope="col">Opened</th><th scope="col">Clicked</th><th scope="col">Unsubscribed</th><th scope="col">Complaints</th></tr></thead>
<tbody>{{#DOMAIN}}<tr><th scope="row">{{NAME}}</th><td>{{SENT}}</td><td>{{DELIVERED}}</td><td>{{BOUNCED}}</td><td>{{OPENED}}</td><td>{{CLICKED}}</td><td>{{UNSUBSCRIBED}}</td><td>{{COMPLAINED}}</td></tr>
{{/DOMAIN}}</tbody></table>
