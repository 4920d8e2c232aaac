{{%AUTOESCAPE context="HTML"}}<h1>Address book {{BOOK}}</h1>
{{#NEW}}<p>There is no such book yet.</p>
<form method="post" action="/console/books/{{BOOK_PATH}}">
<input type="hidden" name="csrf" value="{{CSRF}}">
<button type="submit">Make the book</button>
</form>{{/NEW}}
{{#EXISTS}}<table class="audit">
<caption>{{COUNT}} entr(ies); {{SHOWN}} here</caption>
<thead><tr><th scope="col">Address</th><th scope="col">Kind</th></tr></thead>
<tbody>
{{#ENTRY}}<tr><td>{{ADDRESS}}</td><td>{{KIND}}</td></tr>
{{/ENTRY}}</tbody>
</table>
{{#MORE}}<p><a href="/console/books/{{BOOK_PATH}}?after={{AFTER}}">Next entries</a></p>{{/MORE}}
<h2>Import questions</h2>
<form method="post" action="/console/books/{{BOOK_PATH}}/import" enctype="multipart/form-data" data-progress="import">
<input type="hidden" name="csrf" value="{{CSRF}}">
<label for="file">A CSV file</label>
<input id="file" name="file" type="file" required accept=".csv,text/csv" aria-describedby="file-hint">
<p class="hint" id="file-hint">Its first line is <code>address,question,answer</code>; then one recipient a line. Lines that are not right are listed, and the rest are imported.</p>
<button type="submit">Import</button>
</form>
<div id="import" class="import-progress" hidden>
<label for="import-bar">Importing</label>
<progress id="import-bar" max="100" value="0"></progress>
<p id="import-status" role="status"></p>
<ul id="import-problems"></ul>
</div>
<h2>Add keys and certificates</h2>
<form method="post" action="/console/books/{{BOOK_PATH}}/keys" enctype="multipart/form-data">
<input type="hidden" name="csrf" value="{{CSRF}}">
<label for="keys">OpenPGP keys and S/MIME certificates</label>
<input id="keys" name="keys" type="file" multiple required accept=".asc,.gpg,.pgp,.pem,.crt,.cer,.der" aria-describedby="keys-hint">
<p class="hint" id="keys-hint">Each file named by its recipient’s address, as <code>pat@example.net.asc</code> or <code>pat@example.net.pem</code>; up to 500 at a time. Each is checked (its address, expiry, revocation, whether it can encrypt) and gets its own verdict.</p>
<button type="submit">Add them</button>
</form>{{/EXISTS}}
<script src="/static/console-upload.js" defer></script>
