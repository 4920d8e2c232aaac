{{%AUTOESCAPE context="HTML"}}<h1>{{TITLE}}</h1>
{{#HAS_INTRO}}<p>{{INTRO}}</p>{{/HAS_INTRO}}
{{#HAS_NOTE}}<div class="text-body">{{NOTE:pre_escape}}</div>
<p class="small">This link works once, until {{EXPIRES}}.</p>{{/HAS_NOTE}}
<p class="small">What you send here is encrypted as it arrives and read only by the people it is meant for.</p>
{{#ERROR}}<div class="error" role="alert" id="form-error" tabindex="-1"><p>{{ERROR_TEXT}}</p>
{{#PROBLEMS}}<ul class="problems">{{#PROBLEM}}<li><a href="#{{FIELD}}">{{LABEL}}: {{MESSAGE}}</a></li>{{/PROBLEM}}</ul>{{/PROBLEMS}}
{{#FILES_AGAIN}}<p>Files are not kept when a form is sent back: attach them again.</p>{{/FILES_AGAIN}}</div>{{/ERROR}}
<form method="post" action="{{ACTION}}" enctype="multipart/form-data" class="secure-form" id="secure-form" data-steps="{{STEP_COUNT}}">
{{#BOT_CHECKS}}<input type="hidden" name="sp-challenge" value="{{CHALLENGE}}">
<input type="hidden" name="sp-nonce" value="" id="nonce">
<div class="hp" aria-hidden="true"><label for="your-website">Leave this empty</label><input id="your-website" name="your-website" type="text" tabindex="-1" autocomplete="off"></div>{{/BOT_CHECKS}}
{{#STEP}}<fieldset class="step" id="step-{{NUMBER}}" data-step="{{NUMBER}}"{{#STEP_HAS_PROBLEM}} data-problem="yes"{{/STEP_HAS_PROBLEM}}>
<legend>{{#OF}}<span class="step-count">Step {{NUMBER}} of {{COUNT}}: </span>{{/OF}}{{STEP_TITLE}}</legend>
{{#FIELD}}<div class="form-field{{#HAS_PROBLEM}} has-problem{{/HAS_PROBLEM}}">
{{#INPUT}}<label for="field-{{FIELD_NAME}}">{{LABEL}}{{#REQUIRED}} <span class="required">(required)</span>{{/REQUIRED}}</label>
<input id="field-{{FIELD_NAME}}" name="{{FIELD_NAME}}" type="{{TYPE}}" value="{{VALUE}}"{{#HAS_MAX}} maxlength="{{MAX}}"{{/HAS_MAX}}{{#EMAIL}} autocomplete="email"{{/EMAIL}}{{#REQUIRED}} required{{/REQUIRED}}{{#HAS_HINT}} aria-describedby="hint-{{FIELD_NAME}}"{{/HAS_HINT}}{{#HAS_PROBLEM}} aria-invalid="true" aria-errormessage="problem-{{FIELD_NAME}}"{{/HAS_PROBLEM}}>{{/INPUT}}
{{#TEXTAREA}}<label for="field-{{FIELD_NAME}}">{{LABEL}}{{#REQUIRED}} <span class="required">(required)</span>{{/REQUIRED}}</label>
<textarea id="field-{{FIELD_NAME}}" name="{{FIELD_NAME}}" rows="6" maxlength="{{MAX}}"{{#REQUIRED}} required{{/REQUIRED}}{{#HAS_HINT}} aria-describedby="hint-{{FIELD_NAME}}"{{/HAS_HINT}}{{#HAS_PROBLEM}} aria-invalid="true" aria-errormessage="problem-{{FIELD_NAME}}"{{/HAS_PROBLEM}}>{{VALUE:pre_escape}}</textarea>{{/TEXTAREA}}
{{#SELECT}}<label for="field-{{FIELD_NAME}}">{{LABEL}}{{#REQUIRED}} <span class="required">(required)</span>{{/REQUIRED}}</label>
<select id="field-{{FIELD_NAME}}" name="{{FIELD_NAME}}"{{#REQUIRED}} required{{/REQUIRED}}{{#HAS_HINT}} aria-describedby="hint-{{FIELD_NAME}}"{{/HAS_HINT}}{{#HAS_PROBLEM}} aria-invalid="true" aria-errormessage="problem-{{FIELD_NAME}}"{{/HAS_PROBLEM}}>
<option value="">Choose…</option>
{{#OPTION}}<option{{#SELECTED}} selected{{/SELECTED}}>{{CHOICE}}</option>
{{/OPTION}}</select>{{/SELECT}}
{{#CHECKBOX}}<div class="check-row"><input id="field-{{FIELD_NAME}}" name="{{FIELD_NAME}}" type="checkbox" value="yes"{{#CHECKED}} checked{{/CHECKED}}{{#REQUIRED}} required{{/REQUIRED}}{{#HAS_HINT}} aria-describedby="hint-{{FIELD_NAME}}"{{/HAS_HINT}}{{#HAS_PROBLEM}} aria-invalid="true" aria-errormessage="problem-{{FIELD_NAME}}"{{/HAS_PROBLEM}}>
<label for="field-{{FIELD_NAME}}">{{LABEL}}{{#REQUIRED}} <span class="required">(required)</span>{{/REQUIRED}}</label></div>{{/CHECKBOX}}
{{#FILE}}<label for="field-{{FIELD_NAME}}">{{LABEL}}{{#REQUIRED}} <span class="required">(required)</span>{{/REQUIRED}}</label>
<input id="field-{{FIELD_NAME}}" name="{{FIELD_NAME}}" type="file"{{#MULTIPLE}} multiple{{/MULTIPLE}}{{#HAS_ACCEPT}} accept="{{ACCEPT}}"{{/HAS_ACCEPT}}{{#REQUIRED}} required{{/REQUIRED}}{{#HAS_HINT}} aria-describedby="hint-{{FIELD_NAME}}"{{/HAS_HINT}}{{#HAS_PROBLEM}} aria-invalid="true" aria-errormessage="problem-{{FIELD_NAME}}"{{/HAS_PROBLEM}}>{{/FILE}}
{{#HAS_HINT}}<p class="hint" id="hint-{{FIELD_NAME}}">{{HINT}}</p>{{/HAS_HINT}}
{{#HAS_PROBLEM}}<p class="field-problem" id="problem-{{FIELD_NAME}}">{{PROBLEM}}</p>{{/HAS_PROBLEM}}
</div>
{{/FIELD}}{{#CONSENT}}<div class="form-field consent{{#HAS_PROBLEM}} has-problem{{/HAS_PROBLEM}}"><div class="check-row"><input id="sp-consent" name="sp-consent" type="checkbox" value="yes" required{{#HAS_PROBLEM}} aria-invalid="true" aria-errormessage="problem-sp-consent"{{/HAS_PROBLEM}}>
<label for="sp-consent">{{CONSENT_TEXT}}</label></div>
{{#HAS_PROBLEM}}<p class="field-problem" id="problem-sp-consent">{{PROBLEM}}</p>{{/HAS_PROBLEM}}</div>{{/CONSENT}}
</fieldset>
{{/STEP}}<p class="hint" id="form-status" role="status" aria-live="polite"></p>
<button type="submit" id="form-send">Send securely</button>
</form>
<script src="/static/form.js"></script>
