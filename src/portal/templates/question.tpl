{{%AUTOESCAPE context="HTML"}}<h1>A secure message is waiting for you</h1>
<p>{{SENDER}} sent you a secure message. To open it, answer the question they chose for you.</p>
{{#ERROR}}<div class="error" role="alert" id="answer-error"><p>{{ERROR_TEXT}}</p></div>{{/ERROR}}
<form method="post" action="{{ACTION}}" class="answer">
<input type="hidden" name="csrf" value="{{CSRF}}">
<label for="answer">{{QUESTION}}</label>
<input id="answer" name="answer" type="text" autocomplete="off" autocapitalize="off" spellcheck="false" required maxlength="500"{{#ERROR}} aria-invalid="true" aria-describedby="answer-error"{{/ERROR}}>
<p class="hint">Capital letters and extra spaces do not matter.</p>
<button type="submit">Open the message</button>
</form>
<p class="small">You can open this message until {{EXPIRES}}.</p>
