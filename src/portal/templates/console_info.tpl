{{%AUTOESCAPE context="HTML"}}<h1>{{HEADING}}</h1>
{{#PARAGRAPH}}<p>{{TEXT}}</p>
{{/PARAGRAPH}}{{#LINK}}<p><a href="{{HREF}}">{{LABEL}}</a></p>{{/LINK}}
