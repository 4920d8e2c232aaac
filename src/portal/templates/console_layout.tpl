{{%AUTOESCAPE context="HTML"}}<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>{{TITLE}} – {{ORGANISATION}} console</title>
<link rel="stylesheet" href="/static/portal.css">
</head>
<body class="console">
<a class="skip" href="#main">Skip to content</a>
<header class="site"><p class="brand">{{ORGANISATION}} <span>console</span></p>
{{#NAV}}<nav aria-label="Console"><ul class="console-nav">
<li><a href="/console"{{#HOME_CURRENT}} aria-current="page"{{/HOME_CURRENT}}>Home</a></li>
{{#SEND}}<li><a href="/console/compose"{{#COMPOSE_CURRENT}} aria-current="page"{{/COMPOSE_CURRENT}}>Write</a></li>
<li><a href="/console/sent"{{#SENT_CURRENT}} aria-current="page"{{/SENT_CURRENT}}>Sent</a></li>
<li><a href="/console/address-book"{{#OWN_BOOK_CURRENT}} aria-current="page"{{/OWN_BOOK_CURRENT}}>My address book</a></li>
<li><a href="/console/submissions"{{#SUBMISSIONS_CURRENT}} aria-current="page"{{/SUBMISSIONS_CURRENT}}>Form submissions</a></li>
<li><a href="/console/requests"{{#REQUESTS_CURRENT}} aria-current="page"{{/REQUESTS_CURRENT}}>Ask for documents</a></li>{{/SEND}}
{{#DOMAIN}}<li><a href="/console/dashboard"{{#DASHBOARD_CURRENT}} aria-current="page"{{/DASHBOARD_CURRENT}}>Dashboard</a></li>
<li><a href="/console/users"{{#USERS_CURRENT}} aria-current="page"{{/USERS_CURRENT}}>Users</a></li>
<li><a href="/console/books"{{#BOOKS_CURRENT}} aria-current="page"{{/BOOKS_CURRENT}}>Address books</a></li>
<li><a href="/console/campaigns"{{#CAMPAIGNS_CURRENT}} aria-current="page"{{/CAMPAIGNS_CURRENT}}>Campaigns</a></li>{{/DOMAIN}}
{{#ORGANISATION}}<li><a href="/console/organisation"{{#ORGANISATION_CURRENT}} aria-current="page"{{/ORGANISATION_CURRENT}}>Organisation</a></li>
<li><a href="/console/namespaces"{{#NAMESPACES_CURRENT}} aria-current="page"{{/NAMESPACES_CURRENT}}>Namespaces</a></li>
<li><a href="/console/queue"{{#QUEUE_CURRENT}} aria-current="page"{{/QUEUE_CURRENT}}>Queue</a></li>
<li><a href="/console/keys"{{#KEYS_CURRENT}} aria-current="page"{{/KEYS_CURRENT}}>Signing keys</a></li>
<li><a href="/console/clients"{{#CLIENTS_CURRENT}} aria-current="page"{{/CLIENTS_CURRENT}}>API clients</a></li>
<li><a href="/console/webhooks"{{#WEBHOOKS_CURRENT}} aria-current="page"{{/WEBHOOKS_CURRENT}}>Webhooks</a></li>
<li><a href="/console/forms"{{#FORMS_CURRENT}} aria-current="page"{{/FORMS_CURRENT}}>Forms</a></li>{{/ORGANISATION}}
{{#AUDIT}}<li><a href="/console/audit"{{#AUDIT_CURRENT}} aria-current="page"{{/AUDIT_CURRENT}}>Audit trail</a></li>
<li><a href="/console/tls-reports"{{#TLS_CURRENT}} aria-current="page"{{/TLS_CURRENT}}>TLS reports</a></li>{{/AUDIT}}
<li><a href="/console/tools/received"{{#TOOLS_CURRENT}} aria-current="page"{{/TOOLS_CURRENT}}>Was it encrypted?</a></li>
<li><form method="post" action="/console/sign-out" class="inline"><input type="hidden" name="csrf" value="{{SIGN_OUT_CSRF}}"><button type="submit" class="link">Sign out {{USER}}</button></form></li>
</ul></nav>{{/NAV}}
</header>
<main id="main">
{{>BODY}}
</main>
<footer class="site"><p>Every action here is recorded in the organisation’s audit trail.</p></footer>
</body>
</html>
