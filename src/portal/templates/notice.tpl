{{%AUTOESCAPE context="HTML"}}<h1>{{HEADING}}</h1>
{{#PARA}}<p>{{TEXT}}</p>
{{/PARA}}{{#LINK}}<p><a href="{{HREF}}">{{LABEL}}</a></p>{{/LINK}}
