{{%AUTOESCAPE context="HTML"}}<h1>Welcome</h1>
<p>You are signed in as <strong>{{USER}}</strong>, {{ROLE}}.</p>
<ul class="console-areas">
<li><a href="/console/two-step">Two-step sign-in</a>: {{TWO_STEP}}.</li>
{{#AUDIT}}<li><a href="/console/audit">The audit trail</a>: who did what, when, and whether it worked.</li>{{/AUDIT}}
<li><a href="/console/tools/received">Was it encrypted?</a> Paste a message’s header to see whether each step of its way was encrypted.</li>
</ul>
