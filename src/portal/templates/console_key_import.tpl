{{%AUTOESCAPE context="HTML"}}<h1>Keys added to {{BOOK}}</h1>
<div class="notice" role="status"><p>{{IMPORTED}} file(s) imported; {{REFUSED}} refused.</p></div>
<table class="audit">
<caption>Each file’s verdict</caption>
<thead><tr><th scope="col">File</th><th scope="col">Verdict</th></tr></thead>
<tbody>
{{#FILE}}<tr><td>{{NAME}}</td><td>{{VERDICT}}</td></tr>
{{/FILE}}</tbody>
</table>
<p><a href="{{BACK}}">Back to the book</a></p>
