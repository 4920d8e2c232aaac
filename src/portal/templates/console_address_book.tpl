{{%AUTOESCAPE context="HTML"}}<h1>Your address book</h1>
<p>The questions that verify the people you write to, kept in <strong>{{BOOK}}</strong>: a message to them asks you nothing. Answers are kept encrypted and never shown again.</p>
{{#ERROR}}<div class="error" role="alert" id="form-error"><p>{{ERROR_TEXT}}</p></div>{{/ERROR}}
<table class="audit">
<caption>{{COUNT}} entr(ies)</caption>
<thead><tr><th scope="col">Address</th><th scope="col">Kind</th><th scope="col"><span class="visually-hidden">Remove</span></th></tr></thead>
<tbody>
{{#ENTRY}}<tr><td>{{ADDRESS}}</td><td>{{KIND}}</td><td><form method="post" action="/console/address-book/remove" class="inline"><input type="hidden" name="csrf" value="{{CSRF}}"><input type="hidden" name="address" value="{{ADDRESS}}"><button type="submit" class="link">Remove<span class="visually-hidden"> {{ADDRESS}}</span></button></form></td></tr>
{{/ENTRY}}</tbody>
</table>
{{#MORE}}<p><a href="/console/address-book?after={{AFTER}}">Next entries</a></p>{{/MORE}}
<h2>Add someone</h2>
<form method="post" action="/console/address-book">
<input type="hidden" name="csrf" value="{{CSRF}}">
<label for="address">Their email address</label>
<input id="address" name="address" type="email" required maxlength="254" autocomplete="off">
<label for="question">Question</label>
<input id="question" name="question" type="text" required maxlength="500">
<label for="answer">Answer</label>
<input id="answer" name="answer" type="text" required maxlength="500" autocomplete="off" aria-describedby="answer-hint">
<p class="hint" id="answer-hint">Tell them the answer another way — by phone or in person — never by email.</p>
<button type="submit">Add</button>
</form>
{{#OTHERS}}<h2>Other books you use</h2>
<ul>{{#OTHER}}<li>{{BOOK}} ({{ROLE}})</li>{{/OTHER}}</ul>{{/OTHERS}}
