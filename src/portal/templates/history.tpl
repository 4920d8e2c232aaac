{{%AUTOESCAPE context="HTML"}}<article class="history">
<h1>Who opened this message, and when</h1>
<p>Every access to your copy of this message, oldest first. If you see one you do not recognise, tell the sender.</p>
<table>
<caption>Access history</caption>
<thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col">From (network address)</th></tr></thead>
<tbody>
{{#EVENT}}<tr><td>{{WHEN}}</td><td>{{WHAT}}</td><td>{{FROM}}</td></tr>
{{/EVENT}}</tbody>
</table>
<p><a href="/r/{{RID}}">Back to the message</a></p>
</article>
