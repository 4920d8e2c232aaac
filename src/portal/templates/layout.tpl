{{%AUTOESCAPE context="HTML"}}<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>{{TITLE}} – {{ORGANISATION}}</title>
<link rel="stylesheet" href="/static/portal.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site"><p class="brand">{{ORGANISATION}} <span>secure messages</span></p></header>
<main id="main">
{{>BODY}}
</main>
<footer class="site"><p>This page is private to you and your connection to it is encrypted.</p></footer>
</body>
</html>
