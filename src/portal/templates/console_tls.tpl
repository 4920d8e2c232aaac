{{%AUTOESCAPE context="HTML"}}<h1>TLS reports</h1>
<p>Every delivery’s TLS session with a recipient’s server is counted: whether it was protected as the recipient’s domain asks (by DANE or MTA-STS) or why not. Each day’s counts go to the domains that publish a TLS reporting address (RFC 8460). The last {{DAYS}} days: <strong>{{SUCCEEDED}}</strong> sessions succeeded, <strong>{{FAILED}}</strong> failed.</p>
{{#NONE}}<p>No TLS session in these days.</p>{{/NONE}}
{{#FAILURES}}<figure class="chart">{{CHART:none}}</figure>{{/FAILURES}}
<table class="audit">
<caption>Sessions by day, recipient domain and policy</caption>
<thead><tr><th scope="col">Day</th><th scope="col">Domain</th><th scope="col">Policy</th><th scope="col">Succeeded</th><th scope="col">Failed</th><th scope="col">Why they failed</th><th scope="col">Report</th></tr></thead>
<tbody>
{{#ROW}}<tr><td>{{DAY}}</td><td>{{DOMAIN}}</td><td>{{POLICY}}</td><td>{{SUCCEEDED}}</td><td>{{FAILED}}</td><td>{{WHY}}</td><td>{{STATE}}</td></tr>
{{/ROW}}</tbody>
</table>
{{#MORE}}<p>… and {{COUNT}} more rows, older or of domains later in the alphabet (the totals above count them).</p>{{/MORE}}
