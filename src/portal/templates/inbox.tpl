{{%AUTOESCAPE context="HTML"}}<h1>Your secure messages</h1>
<p>Signed in as <strong>{{ADDRESS}}</strong>.</p>
<ul class="actions">
{{#CAN_COMPOSE}}<li><a href="/inbox/compose">Write a new message</a></li>{{/CAN_COMPOSE}}
<li><a href="/account">Your account</a></li>
</ul>
<form method="get" action="/inbox" class="search" role="search" aria-label="Search your messages">
<h2>Search</h2>
{{#ERROR}}<div class="error" role="alert" id="form-error"><p>{{ERROR_TEXT}}</p></div>{{/ERROR}}
<label for="q">Subject contains</label>
<input id="q" name="q" type="search" value="{{Q}}" maxlength="200">
<label for="who">Sender or recipient contains</label>
<input id="who" name="who" type="search" value="{{WHO}}" maxlength="254">
<label for="after">Sent on or after</label>
<input id="after" name="after" type="date" value="{{AFTER}}"{{#ERROR}} aria-describedby="form-error"{{/ERROR}}>
<label for="before">Sent on or before</label>
<input id="before" name="before" type="date" value="{{BEFORE}}"{{#ERROR}} aria-describedby="form-error"{{/ERROR}}>
<button type="submit">Search</button>
</form>
<h2>Messages</h2>
{{#SEARCHED}}<p role="status">{{COUNT}} matching. <a href="/inbox">Show all messages</a></p>{{/SEARCHED}}
{{#EMPTY}}<p>There are no messages here.</p>{{/EMPTY}}
{{#HAS_ITEMS}}<ul class="inbox">
{{#ITEM}}<li><a href="{{HREF}}">{{SUBJECT}}</a>
<p class="small">{{#RECEIVED}}From {{COUNTERPART}}{{/RECEIVED}}{{#SENT}}You sent it to {{COUNTERPART}}{{/SENT}} · {{WHEN}} · available until {{EXPIRES}}</p></li>
{{/ITEM}}</ul>{{/HAS_ITEMS}}
{{#PAGES}}<nav aria-label="Pages of messages"><p>Messages {{FIRST}} to {{LAST}} of {{TOTAL}}.</p>
<ul class="actions">{{#NEWER}}<li><a href="{{HREF}}">Newer messages</a></li>{{/NEWER}}{{#OLDER}}<li><a href="{{HREF}}">Older messages</a></li>{{/OLDER}}</ul></nav>{{/PAGES}}
<p class="small">Messages are kept here until they expire. Only messages sent while this Message Center was on are listed.</p>
