{{%AUTOESCAPE context="HTML"}}<h1>Review and send</h1>
<dl class="meta">
<dt>Subject</dt><dd>{{SUBJECT}}</dd>
<dt>Files</dt><dd>{{FILES}}</dd>
{{#PLAN}}<dt>Can be opened for</dt><dd>{{EXPIRY}} days</dd>{{/PLAN}}
{{#READ_RECEIPT}}<dt>Read receipt</dt><dd>yes</dd>{{/READ_RECEIPT}}
</dl>
{{#ERROR}}<div class="error" role="alert" id="form-error"><p>{{ERROR_TEXT}}</p></div>{{/ERROR}}
{{#PLAN}}<table class="audit plan">
<caption>How each recipient will get it</caption>
<thead><tr><th scope="col">Recipient</th><th scope="col">How</th><th scope="col">Why</th></tr></thead>
<tbody>
{{#RECIPIENT}}<tr><td>{{ADDRESS}}<br><span class="small">{{KIND}}</span></td><td>{{HOW}}</td><td class="small">{{WHY}}</td></tr>
{{/RECIPIENT}}</tbody>
</table>{{/PLAN}}
{{#REFUSED}}<div class="error" role="alert"><p>It cannot be sent securely: {{REASON}}</p></div>{{/REFUSED}}
{{#SEND}}<form method="post" action="/console/compose/{{ID}}/send">
<input type="hidden" name="csrf" value="{{CSRF}}">
{{#QUESTION}}<fieldset>
<legend>A question for {{NAMES}}</legend>
<p>They will read the message in the secure portal after answering a question you choose. Tell them the answer another way — by phone or in person — never by email.</p>
<label for="question">Question</label>
<input id="question" name="question" type="text" required maxlength="500" value="{{QUESTION_TEXT}}"{{#INVALID}} aria-invalid="true" aria-describedby="form-error"{{/INVALID}}>
<label for="answer">Answer</label>
<input id="answer" name="answer" type="text" required maxlength="500" autocomplete="off"{{#INVALID}} aria-invalid="true" aria-describedby="form-error"{{/INVALID}}>
<div class="check-row"><input type="checkbox" id="save_answer" name="save_answer" value="yes"><label for="save_answer">Save the question and answer in my address book for them</label></div>
</fieldset>
{{/QUESTION}}<button type="submit">Send securely</button>
</form>{{/SEND}}
<form method="post" action="/console/compose/{{ID}}/discard">
<input type="hidden" name="csrf" value="{{CSRF}}">
<button type="submit" class="secondary">Discard it</button>
</form>
