{{%AUTOESCAPE context="HTML"}}<h1>Your email preferences</h1>
<p>Messages from {{ORGANISATION}} to <strong>{{ADDRESS}}</strong>.</p>
{{#SUPPRESSED}}<p role="status">You get none of these messages now.</p>{{/SUPPRESSED}}
<form method="post" action="/u/{{TOKEN}}" class="account">
<input type="hidden" name="preferences" value="1">
{{#LIST}}<p><label><input type="checkbox" name="keep" value="{{ID}}"{{#ON}} checked{{/ON}}{{#OFF}} disabled{{/OFF}}> {{NAME}}</label>{{#DESCRIPTION}}<br><small>{{TEXT}}</small>{{/DESCRIPTION}}{{#OFF}} <small>(you left this list)</small>{{/OFF}}</p>
{{/LIST}}<p><label><input type="checkbox" name="nothing" value="1"> Send me nothing at all</label></p>
<button type="submit">Save my preferences</button>
</form>
{{#FROM}}<p><small>You came here from “{{NAME}}”.</small></p>{{/FROM}}
