{{%AUTOESCAPE context="HTML"}}<h1>Imported into {{BOOK}}</h1>
<div class="notice" role="status"><p>{{IMPORTED}} entr(ies) imported; {{REFUSED}} line(s) refused.</p></div>
{{#PROBLEMS}}<table class="audit">
<caption>Lines not imported</caption>
<thead><tr><th scope="col">Line</th><th scope="col">Why</th></tr></thead>
<tbody>
{{#PROBLEM}}<tr><td>{{LINE}}</td><td>{{REASON}}</td></tr>
{{/PROBLEM}}</tbody>
</table>
{{#MORE}}<p>… and {{COUNT}} more.</p>{{/MORE}}{{/PROBLEMS}}
<p><a href="{{BACK}}">Back to the book</a></p>
