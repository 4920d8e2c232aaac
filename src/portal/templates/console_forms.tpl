{{%AUTOESCAPE context="HTML"}}<h1>Forms</h1>
<p>Secure web forms: what people send through one is encrypted as it arrives and reaches the form’s recipients by the method the policy engine chooses for each — never in clear. A form is defined in JSON (its fields, steps, recipients, consent and how long submissions are kept); see the README’s “Secure web forms”. The pages people fill in are being built (issue 24).</p>
{{#ERROR}}<div class="error" role="alert" id="form-error"><p>{{ERROR_TEXT}}</p></div>{{/ERROR}}
{{#NOTICE}}<div class="notice" role="status"><p>{{NOTICE_TEXT}}</p></div>{{/NOTICE}}
{{#NONE}}<p>No form yet.</p>{{/NONE}}
{{#ANY}}<table class="audit">
<caption>{{COUNT}} form(s)</caption>
<thead><tr><th scope="col">Form</th><th scope="col">Account</th><th scope="col">Title</th><th scope="col">State</th><th scope="col">Changed</th></tr></thead>
<tbody>
{{#FORM}}<tr><td><a href="/console/forms/{{NAME}}">{{NAME}}</a></td><td>{{ACCOUNT}}</td><td>{{TITLE}}</td><td>{{STATE}}</td><td>{{CHANGED}}</td></tr>
{{/FORM}}</tbody>
</table>{{/ANY}}
<h2>Make a form</h2>
<form method="post" action="/console/forms">
<input type="hidden" name="csrf" value="{{CSRF}}">
<label for="form-name">Its name (its address: /f/name)</label>
<input id="form-name" name="name" type="text" required maxlength="60" pattern="[a-z0-9]([a-z0-9\-]*[a-z0-9])?" autocomplete="off" value="{{WRITTEN_NAME}}" aria-describedby="form-name-hint">
<p class="hint" id="form-name-hint">Lower-case letters, digits and hyphens: “intake”, “new-patient”.</p>
<label for="form-account">Account</label>
<select id="form-account" name="account" required>
{{#ACCOUNT_OPTION}}<option value="{{NAME}}">{{NAME}}</option>
{{/ACCOUNT_OPTION}}</select>
<label for="form-definition">Definition (JSON)</label>
<textarea id="form-definition" name="definition" rows="14" required maxlength="262144" spellcheck="false" class="code"{{#ERROR}} aria-invalid="true" aria-describedby="form-error"{{/ERROR}}>{{WRITTEN_DEFINITION}}</textarea>
<button type="submit">Make the form</button>
</form>
