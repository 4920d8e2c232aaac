{{%AUTOESCAPE context="HTML"}}<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>{{TITLE}} – {{ORGANISATION}}</title>
<link rel="stylesheet" href="/static/portal.css">
{{#BRAND_STYLE}}<link rel="stylesheet" href="/brand/{{BRAND}}/style.css">{{/BRAND_STYLE}}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site">{{#LOGO}}<img class="logo" src="/brand/{{BRAND}}/logo" alt="">{{/LOGO}}<p class="brand">{{ORGANISATION}} <span>secure messages</span></p></header>
<main id="main">
{{>BODY}}
</main>
<footer class="site"><p>This page is private to you and your connection to it is encrypted.</p>
{{#SUPPORT}}<p>Questions about this message? Contact {{ORGANISATION}}: {{SUPPORT_CONTACT}}</p>{{/SUPPORT}}</footer>
</body>
</html>
