{{%AUTOESCAPE context="HTML"}}<h1>Two-step sign-in is on</h1>
<p>Keep these recovery codes somewhere safe, such as printed on paper. If you lose your phone, each code signs you in once instead of a code from the app. They are shown only now.</p>
<ul class="recovery-codes">
{{#CODE}}<li><code>{{VALUE}}</code></li>
{{/CODE}}</ul>
<p><a href="{{BACK}}">I have kept them: continue</a></p>
