{{%AUTOESCAPE context="HTML"}}<h1>Signing keys</h1>
<p>Receivers trust mail that proves where it comes from: DKIM signs every message a domain sends, and an OpenPGP key or an S/MIME certificate signs what is encrypted. Private keys stay sealed on the server; nothing here shows them.</p>
{{#ERROR}}<div class="error" role="alert" id="form-error"><p>{{ERROR_TEXT}}</p></div>{{/ERROR}}
{{#NOTICE}}<div class="notice" role="status"><p>{{NOTICE_TEXT}}</p></div>{{/NOTICE}}
<h2>DKIM</h2>
{{#NO_DKIM}}<p>No domain has a DKIM key yet: mail leaves unsigned.</p>{{/NO_DKIM}}
{{#DKIM}}<section class="dkim-key" aria-labelledby="dkim-{{SELECTOR}}-{{DOMAIN}}">
<h3 id="dkim-{{SELECTOR}}-{{DOMAIN}}">{{DOMAIN}}: {{SELECTOR}}</h3>
<dl class="meta"><dt>Algorithm</dt><dd>{{ALGORITHM}}</dd><dt>State</dt><dd>{{STATE}}</dd></dl>
<p class="hint">The record to publish in the domain’s DNS zone:</p>
<pre class="record">{{RECORD}}</pre>
</section>
{{/DKIM}}
<h3>Make, roll over, or sign with the next key</h3>
<form method="post" action="/console/keys/dkim">
<input type="hidden" name="csrf" value="{{CSRF}}">
<label for="dkim-domain">Domain</label>
<select id="dkim-domain" name="domain" required>
{{#DOMAIN_OPTION}}<option value="{{NAME}}">{{NAME}}</option>
{{/DOMAIN_OPTION}}</select>
<label for="dkim-algorithm">Algorithm</label>
<select id="dkim-algorithm" name="algorithm">
<option value="rsa">RSA, 2048 bits (every receiver reads it)</option>
<option value="ed25519">Ed25519 (short; beside RSA)</option>
</select>
<fieldset><legend>What to do</legend>
<div class="check-row"><input type="radio" id="dkim-create" name="do" value="create" checked><label for="dkim-create">Make the domain’s first key of this algorithm: it signs at once</label></div>
<div class="check-row"><input type="radio" id="dkim-rollover" name="do" value="rollover"><label for="dkim-rollover">Make the next key: it waits while its record is published</label></div>
<div class="check-row"><input type="radio" id="dkim-activate" name="do" value="activate"><label for="dkim-activate">Sign with the next key now: DNS is checked first</label></div>
</fieldset>
<button type="submit">Go</button>
</form>
<h3>Delete a key no longer signing</h3>
<form method="post" action="/console/keys/dkim/delete">
<input type="hidden" name="csrf" value="{{CSRF}}">
<label for="dkim-key">Key</label>
<select id="dkim-key" name="key" required>
<option value="">Choose…</option>
{{#DELETABLE}}<option value="{{VALUE}}">{{LABEL}}</option>
{{/DELETABLE}}</select>
<div class="check-row"><input id="dkim-confirm" name="confirm" type="checkbox" value="yes" required><label for="dkim-confirm">Yes, delete it</label></div>
<button type="submit" class="secondary">Delete</button>
</form>
<h2>Signing identities</h2>
{{#NO_IDENTITY}}<p>No account or domain has a signing identity yet.</p>{{/NO_IDENTITY}}
<p>A domain’s mail is signed with its own identity of each kind, else with its account’s.</p>
{{#IDENTITY}}<section class="identity" aria-labelledby="id-{{KIND_WORD}}-{{SCOPE}}">
<h3 id="id-{{KIND_WORD}}-{{SCOPE}}">{{SCOPE}}: {{KIND}}</h3>
<dl class="meta"><dt>Names</dt><dd>{{LABEL}}</dd><dt>Fingerprint</dt><dd class="fingerprint">{{FINGERPRINT}}</dd></dl>
<p><a href="{{PUBLIC_PATH}}" download>Download the {{PUBLIC_WORD}}<span class="visually-hidden"> of {{SCOPE}}</span></a></p>
</section>
{{/IDENTITY}}<h3>Make a signing identity</h3>
<form method="post" action="/console/keys/identities">
<input type="hidden" name="csrf" value="{{CSRF}}">
<label for="id-scope">For</label>
<select id="id-scope" name="scope" required>
{{#SCOPE_OPTION}}<option value="{{VALUE}}">{{LABEL}}</option>
{{/SCOPE_OPTION}}</select>
<fieldset><legend>Kind</legend>
<div class="check-row"><input type="radio" id="id-pgp" name="kind" value="pgp" checked><label for="id-pgp">OpenPGP key (Ed25519)</label></div>
<div class="check-row"><input type="radio" id="id-smime" name="kind" value="smime"><label for="id-smime">S/MIME certificate (P-256, self-signed, two years)</label></div>
</fieldset>
<label for="id-label">Names</label>
<input id="id-label" name="label" type="text" required maxlength="200" aria-describedby="id-label-hint">
<p class="hint" id="id-label-hint">For a key, its user ID (“Clinic &lt;secure@clinic.example&gt;”); for a certificate, the address it names.</p>
<button type="submit">Make it</button>
</form>
