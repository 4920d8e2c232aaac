{{%AUTOESCAPE context="HTML"}}<h1>Was it encrypted?</h1>
<p>Every mail server a message passes writes a <code>Received:</code> line at the top of its header, and many write there whether the connection was encrypted (TLS). Paste the header of a message you received (in your mail program: “Show original”, “View source” or “Message source”) to see each step it took.</p>
{{#ERROR}}<div class="error" role="alert" id="form-error"><p>{{ERROR_TEXT}}</p></div>{{/ERROR}}
<form method="post" action="{{ACTION}}" class="account">
<label for="headers">The message’s header (or the whole message)</label>
<textarea id="headers" name="headers" rows="12" required spellcheck="false"{{#ERROR}} aria-invalid="true" aria-describedby="form-error"{{/ERROR}}>{{HEADERS}}</textarea>
<button type="submit">Check its path</button>
</form>
{{#RESULT}}<section class="path-result" aria-labelledby="result-heading">
<h2 id="result-heading">{{VERDICT_TEXT}}</h2>
<p class="verdict {{VERDICT_CLASS}}">{{SUMMARY}}</p>
<ol class="path" aria-label="The path, oldest hop first">
{{#NODE}}<li class="{{CLASS}}">{{#LINK}}<span class="link">→ {{VERDICT}} →</span> {{/LINK}}<span class="host">{{HOST}}</span></li>
{{/NODE}}</ol>
<table class="hops">
<caption>Each hop, oldest first</caption>
<thead><tr><th scope="col">#</th><th scope="col">From</th><th scope="col">To</th><th scope="col">When</th><th scope="col">Protocol</th><th scope="col">TLS</th><th scope="col">Verdict</th></tr></thead>
<tbody>
{{#HOP}}<tr class="{{CLASS}}"><td>{{N}}</td><td>{{FROM}}</td><td>{{BY}}</td><td>{{WHEN}}{{#DELAY}}<br><span class="small">{{DELAY}}</span>{{/DELAY}}</td><td>{{WITH}}</td><td>{{TLS}}</td><td><strong>{{VERDICT}}</strong><br><span class="small">{{REASON}}</span></td></tr>
{{/HOP}}</tbody>
</table>
<p class="hint">A verdict is only as good as what the servers wrote: a server that used TLS and recorded nothing reads “unknown”, never “encrypted”.</p>
</section>{{/RESULT}}
