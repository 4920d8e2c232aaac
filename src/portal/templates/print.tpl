{{%AUTOESCAPE context="HTML"}}<article class="message print">
<p class="print-hint noprint">This page is laid out for printing: use your browser's Print command. <a href="/r/{{RID}}">Back to the message</a></p>
<h1>{{SUBJECT}}</h1>
<dl class="meta">
<dt>From</dt><dd>{{FROM}}</dd>
<dt>To</dt><dd>{{TO}}</dd>
{{#HAS_CC}}<dt>Cc</dt><dd>{{CC}}</dd>{{/HAS_CC}}
<dt>Sent</dt><dd>{{SENT}}</dd>
</dl>
{{#HAS_TEXT}}<div class="text-body">{{TEXT:pre_escape}}</div>{{/HAS_TEXT}}
{{#HTML_ONLY}}<iframe class="html-body" title="Message" sandbox="" srcdoc="{{HTML}}"></iframe>{{/HTML_ONLY}}
{{#HAS_ATTACHMENTS}}<h2>Attachments</h2>
<ul class="attachments">
{{#ATTACHMENT}}<li>{{FILENAME}} ({{SIZE}})</li>
{{/ATTACHMENT}}</ul>{{/HAS_ATTACHMENTS}}
<p class="small">Printed from a secure message sent through {{ORGANISATION}}. Signature verified.</p>
</article>
