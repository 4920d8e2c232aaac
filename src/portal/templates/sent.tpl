{{%AUTOESCAPE context="HTML"}}<article>
<h1>{{SUBJECT}}</h1>
<p><span class="tag">Sent by you</span></p>
<dl class="meta">
<dt>To</dt><dd>{{TO}}</dd>
<dt>Sent</dt><dd>{{SENT}}</dd>
</dl>
<div class="text-body">{{TEXT}}</div>
{{#HAS_ATTACHMENTS}}<h2>Attached files</h2>
<ul class="attachments">{{#ATTACHMENT}}<li><a href="/inbox/sent/{{ID}}/attachments/{{INDEX}}">{{FILENAME}}</a> ({{SIZE}})</li>{{/ATTACHMENT}}</ul>{{/HAS_ATTACHMENTS}}
</article>
<p><a href="/inbox">Back to your messages</a></p>
