{{%AUTOESCAPE context="HTML"}}<link rel="stylesheet" href="/console/brand-preview.css?colour={{COLOUR_PATH}}">
{{#EXISTING}}<h1>Namespace {{NAME}}</h1>{{/EXISTING}}{{#CREATING}}<h1>A new namespace</h1>{{/CREATING}}
{{#ERROR}}<div class="error" role="alert" id="form-error"><p>{{ERROR_TEXT}}</p></div>{{/ERROR}}
{{#NOTICE}}<div class="notice" role="status"><p>{{NOTICE_TEXT}}</p></div>{{/NOTICE}}
<section class="brand-preview" aria-labelledby="preview-heading">
<h2 id="preview-heading">How its portal looks</h2>
<div class="preview-frame">
<div class="preview-header">{{#LOGO}}<img src="{{SRC:none}}" alt="" class="preview-logo">{{/LOGO}}<p class="brand">{{PREVIEW_NAME}} <span>secure messages</span></p></div>
<p>You have a secure message. Answer the question to open it.</p>
<p><span class="preview-button">Open the message</span></p>
</div>
<p class="contrast">{{#CONTRAST_OK}}White text on this colour: {{RATIO}} — easy to read (WCAG AA asks for at least 4.5:1).{{/CONTRAST_OK}}{{#CONTRAST_LOW}}White text on this colour: {{RATIO}} — too hard to read: choose a darker colour (at least 4.5:1).{{/CONTRAST_LOW}}{{#NO_COLOUR}}The colour is not one: write it as #rrggbb.{{/NO_COLOUR}}</p>
</section>
<form method="post" action="{{ACTION}}" enctype="multipart/form-data">
<input type="hidden" name="csrf" value="{{CSRF}}">
{{#CARRIED}}<input type="hidden" name="logo_carried" value="{{LOGO}}">{{/CARRIED}}
{{#CREATING}}<label for="name">Name</label>
<input id="name" name="name" type="text" required maxlength="63" pattern="[a-z0-9]([a-z0-9-]*[a-z0-9])?" value="{{NAME}}" aria-describedby="name-hint">
<p class="hint" id="name-hint">Lower-case letters, digits and hyphens, e.g. springfield. It cannot be changed later.</p>{{/CREATING}}
<label for="display_name">Shown as</label>
<input id="display_name" name="display_name" type="text" required maxlength="100" value="{{DISPLAY_NAME}}">
<label for="colour">Accent colour</label>
<input id="colour" name="colour" type="text" required maxlength="7" pattern="#[0-9a-fA-F]{6}" value="{{COLOUR}}" aria-describedby="colour-hint">
<p class="hint" id="colour-hint">As #rrggbb. White text goes on it (buttons), so it must be dark enough.</p>
<label for="support">How recipients reach you <span class="small">(optional)</span></label>
<input id="support" name="support" type="text" maxlength="200" value="{{SUPPORT}}">
<label for="hosts">Host names of its portal <span class="small">(optional)</span></label>
<input id="hosts" name="hosts" type="text" maxlength="2000" value="{{HOSTS}}" aria-describedby="hosts-hint">
<p class="hint" id="hosts-hint">Separated by commas, e.g. secure.springfield.example.</p>
<label for="logo">Logo <span class="small">(optional: PNG or SVG, at most 256 KiB)</span></label>
<input id="logo" name="logo" type="file" accept="image/png,image/svg+xml">
{{#HAS_LOGO}}<div class="check-row"><input type="checkbox" id="remove_logo" name="remove_logo" value="on"><label for="remove_logo">Remove the logo</label></div>{{/HAS_LOGO}}
<div class="check-row"><input type="checkbox" id="message_center" name="message_center" value="on"{{#MESSAGE_CENTER}} checked{{/MESSAGE_CENTER}} aria-describedby="center-hint"><label for="message_center">Message Center: recipients get an inbox, and can reply and write</label></div>
<p class="hint" id="center-hint">{{TRADEOFF}}</p>
<button type="submit" name="do" value="preview" class="secondary">Preview</button>
<button type="submit" name="do" value="save">Save</button>
</form>
<p><a href="/console/namespaces">All namespaces</a></p>
