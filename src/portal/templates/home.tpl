{{%AUTOESCAPE context="HTML"}}<h1>Secure messages</h1>
<p>To read a secure message, open the link in the email that told you about it.</p>
<p>Was a message you received sent encrypted? <a href="/tools/received">Check its header</a>.</p>
