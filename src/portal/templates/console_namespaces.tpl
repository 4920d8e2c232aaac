{{%AUTOESCAPE context="HTML"}}<h1>Namespaces</h1>
<p>A namespace is a portal of its own: its name, colour and logo on every page and notice its recipients see, its own host names, and its own recipient accounts. Accounts and domains use one through their <code>namespace</code> setting.</p>
<table class="audit">
<caption>{{COUNT}} namespace(s)</caption>
<thead><tr><th scope="col">Namespace</th><th scope="col">Shown as</th><th scope="col">Host names</th><th scope="col">Message Center</th></tr></thead>
<tbody>
{{#NAMESPACE}}<tr><td><a href="/console/namespaces/{{NAME}}">{{NAME}}</a></td><td>{{DISPLAY_NAME}}</td><td>{{HOSTS}}</td><td>{{CENTER}}</td></tr>
{{/NAMESPACE}}</tbody>
</table>
<p><a href="/console/new-namespace">Make a namespace</a></p>
