{{%AUTOESCAPE context="HTML"}}<h1>Write a secure message</h1>
<p>Before it goes, you will see how each recipient will get it and why, and be asked for anything it still needs.</p>
{{#ERROR}}<div class="error" role="alert" id="form-error">{{#PROBLEM}}<p>{{TEXT}}</p>
{{/PROBLEM}}</div>{{/ERROR}}
<form method="post" action="/console/compose" enctype="multipart/form-data" data-preview="/console/compose/preview">
<input type="hidden" name="csrf" value="{{CSRF}}">
<label for="to">To</label>
<input id="to" name="to" type="text" required autocomplete="off" value="{{TO}}" aria-describedby="to-hint{{#ERROR}} form-error{{/ERROR}}">
<p class="hint" id="to-hint">One or more email addresses, separated by commas.</p>
<label for="cc">Cc <span class="small">(optional)</span></label>
<input id="cc" name="cc" type="text" autocomplete="off" value="{{CC}}">
<label for="bcc">Bcc <span class="small">(optional)</span></label>
<input id="bcc" name="bcc" type="text" autocomplete="off" value="{{BCC}}" aria-describedby="bcc-hint">
<p class="hint" id="bcc-hint">Blind copies: no other recipient sees these addresses.</p>
<section id="preview" class="preview" aria-labelledby="preview-heading" aria-live="polite" hidden>
<h2 id="preview-heading">How each recipient will get it</h2>
<ul id="preview-list"></ul>
<p class="hint">As your organisation’s rules decide it now; the review before sending says it again, files included.</p>
</section>
<label for="subject">Subject</label>
<input id="subject" name="subject" type="text" maxlength="998" value="{{SUBJECT}}">
<label for="text">Message</label>
<textarea id="text" name="text" rows="10" maxlength="65536">{{TEXT}}</textarea>
<label for="files">Attach files <span class="small">(optional)</span></label>
<input id="files" name="files" type="file" multiple aria-describedby="files-hint">
<p class="hint" id="files-hint">Up to {{MAX}} in all. They are encrypted as they arrive.</p>
<fieldset>
<legend>Options</legend>
<label for="expires">Can be opened for (days)</label>
<input id="expires" name="expires_in_days" type="text" inputmode="numeric" pattern="[0-9]*" maxlength="4" value="{{EXPIRES}}" aria-describedby="expires-hint">
<p class="hint" id="expires-hint">Empty: your organisation’s default. After that, nobody can open it.</p>
<div class="check-row"><input type="checkbox" id="read_receipt" name="read_receipt" value="yes"{{#READ_RECEIPT}} checked{{/READ_RECEIPT}}><label for="read_receipt">Tell me when each recipient first opens it</label></div>
<div class="check-row"><input type="checkbox" id="no_tls_only" name="no_tls_only" value="yes"{{#NO_TLS_ONLY}} checked{{/NO_TLS_ONLY}}><label for="no_tls_only">Never rely on an encrypted connection alone: always encrypt the message itself</label></div>
</fieldset>
<button type="submit">Review before sending</button>
</form>
<script src="/static/console-compose.js" defer></script>
