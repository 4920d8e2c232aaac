{{%AUTOESCAPE context="HTML"}}<article class="message">
<h1>{{SUBJECT}}</h1>
<dl class="meta">
<dt>From</dt><dd>{{FROM}}</dd>
<dt>To</dt><dd>{{TO}}</dd>
{{#HAS_CC}}<dt>Cc</dt><dd>{{CC}}</dd>{{/HAS_CC}}
<dt>Sent</dt><dd>{{SENT}}</dd>
<dt>Available until</dt><dd>{{EXPIRES}}</dd>
</dl>
<p class="signature" id="signature">Signature verified: this message was sealed and signed by {{ORGANISATION}} and has not been changed since.</p>
{{#HAS_HTML}}<iframe class="html-body" title="Message" sandbox="" srcdoc="{{HTML}}"></iframe>
{{#HAS_TEXT}}<details><summary>Plain-text version</summary><div class="text-body">{{TEXT:pre_escape}}</div></details>{{/HAS_TEXT}}{{/HAS_HTML}}
{{#TEXT_ONLY}}<div class="text-body">{{TEXT:pre_escape}}</div>{{/TEXT_ONLY}}
{{#HAS_ATTACHMENTS}}<h2>Attachments</h2>
<ul class="attachments">
{{#ATTACHMENT}}<li><a href="/r/{{RID}}/attachments/{{INDEX}}">{{FILENAME}}</a> <span class="size">({{SIZE}})</span></li>
{{/ATTACHMENT}}</ul>{{/HAS_ATTACHMENTS}}
<h2 class="visually-hidden">What you can do</h2>
<ul class="actions">
<li><a href="/r/{{RID}}/reply">Reply</a></li>
<li><a href="/r/{{RID}}/message.eml" download>Download the message (.eml)</a></li>
<li><a href="/r/{{RID}}/print">Print</a></li>
<li><a href="/r/{{RID}}/history">Access history</a></li>
<li><a href="/r/{{RID}}/delete">Delete</a></li>
{{#SIGNED_IN}}<li><a href="/inbox">Your messages</a></li><li><a href="/account">Your account</a></li>{{/SIGNED_IN}}
</ul>
</article>
