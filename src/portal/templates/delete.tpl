{{%AUTOESCAPE context="HTML"}}<h1>Delete this message?</h1>
<p>Your copy of “{{SUBJECT}}” will be deleted for good: nobody, not even you, can open it again with its link. The sender keeps their record of it.</p>
<form method="post" action="/r/{{RID}}/delete" class="account">
<input type="hidden" name="csrf" value="{{CSRF}}">
<button type="submit">Delete my copy</button>
</form>
<p><a href="/r/{{RID}}">Keep it and go back to the message</a></p>
