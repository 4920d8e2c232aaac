{{%AUTOESCAPE context="HTML"}}<h1>Write a new secure message</h1>
<p>You can write to anyone who has sent you a secure message here. Your message, and any files you attach, are encrypted and reach only them.</p>
{{#ERROR}}<div class="error" role="alert" id="form-error"><p>{{ERROR_TEXT}}</p></div>{{/ERROR}}
<form method="post" action="/inbox/compose" enctype="multipart/form-data" class="reply">
<input type="hidden" name="csrf" value="{{CSRF}}">
<label for="to">To</label>
<select id="to" name="to" required>
{{#SENDER}}<option value="{{ADDRESS}}"{{#CHOSEN}} selected{{/CHOSEN}}>{{ADDRESS}}</option>
{{/SENDER}}</select>
<label for="subject">Subject</label>
<input id="subject" name="subject" type="text" required maxlength="200" value="{{SUBJECT}}">
<label for="text">Your message</label>
<textarea id="text" name="text" rows="8" required maxlength="65536"{{#ERROR}} aria-invalid="true" aria-describedby="form-error"{{/ERROR}}>{{TEXT}}</textarea>
<label for="files">Attach files (optional)</label>
<input id="files" name="files" type="file" multiple aria-describedby="files-hint">
<p class="hint" id="files-hint">Up to {{MAX}} in all.</p>
<button type="submit">Send message</button>
</form>
<p><a href="/inbox">Back to your messages</a></p>
