{{%AUTOESCAPE context="HTML"}}<h1>Settings of the {{LEVEL}} {{NAME}}</h1>
<p>Every setting as it holds here, and where its value comes from: set here, inherited from a level above, or the built-in default.</p>
{{#ERROR}}<div class="error" role="alert" id="form-error"><p>{{ERROR_TEXT}}</p></div>{{/ERROR}}
<table class="audit settings">
<caption>Effective settings</caption>
<thead><tr><th scope="col">Setting</th><th scope="col">Value</th><th scope="col">Comes from</th></tr></thead>
<tbody>
{{#SETTING}}<tr{{#HERE}} class="here"{{/HERE}}><td>{{NAME}}</td><td>{{VALUE}}</td><td>{{FROM}}</td></tr>
{{/SETTING}}</tbody>
</table>
<h2>Change a setting here</h2>
<form method="post" action="/console/settings/{{LEVEL}}/{{NAME_PATH}}">
<input type="hidden" name="csrf" value="{{CSRF}}">
<label for="setting">Setting</label>
<select id="setting" name="setting">
{{#OPTION}}<option value="{{NAME}}">{{NAME}}</option>
{{/OPTION}}</select>
<label for="value">Value</label>
<input id="value" name="value" type="text" maxlength="4000" autocomplete="off" aria-describedby="value-hint">
<p class="hint" id="value-hint">As the command line takes it: on or off, a number of days, a list separated by commas, question or login, bounce or send-plain. Empty: inherit again.</p>
<label for="answer">Answer <span class="small">(a default question only)</span></label>
<input id="answer" name="answer" type="text" maxlength="500" autocomplete="off">
<button type="submit">Set it</button>
</form>
