{{%AUTOESCAPE context="HTML"}}<h1>{{HEADING}}</h1>
<p>{{MESSAGE}}</p>
{{#HINT}}<p>{{HINT_TEXT}}</p>{{/HINT}}
