{{%AUTOESCAPE context="HTML"}}<h1>Reply to {{SENDER}}</h1>
<p>Your reply, and any files you attach, go back to {{SENDER}} as a secure message: they are encrypted here and nobody else can read them.</p>
{{#ERROR}}<div class="error" role="alert" id="form-error"><p>{{ERROR_TEXT}}</p></div>{{/ERROR}}
<form method="post" action="/r/{{RID}}/reply" enctype="multipart/form-data" class="reply">
<input type="hidden" name="csrf" value="{{CSRF}}">
<p class="field-static"><span class="label">Subject</span> {{SUBJECT}}</p>
<label for="text">Your reply</label>
<textarea id="text" name="text" rows="8" required maxlength="65536"{{#ERROR}} aria-invalid="true" aria-describedby="form-error"{{/ERROR}}></textarea>
<label for="files">Attach files (optional)</label>
<input id="files" name="files" type="file" multiple aria-describedby="files-hint">
<p class="hint" id="files-hint">Up to {{MAX}} in all.</p>
<button type="submit">Send reply</button>
</form>
<p><a href="/r/{{RID}}">Back to the message</a></p>
