// The console's CSV import with a progress bar (issue 22): the file is sent by script so
// that its progress can be shown, then the server's report (how many were imported, the
// refused lines and why) is shown in place. Without script the form posts as a form and
// the report is a page of its own. The server's words go in as text only.
(function () {
  'use strict';
  var form = document.querySelector('form[data-progress]');
  if (!form || !window.XMLHttpRequest || !window.FormData) return;
  var box = document.getElementById(form.dataset.progress);
  var bar = document.getElementById('import-bar');
  var status = document.getElementById('import-status');
  var problems = document.getElementById('import-problems');

  function say(text) { status.textContent = text; }

  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var button = form.querySelector('button[type=submit]');
    button.disabled = true;
    box.hidden = false;
    problems.replaceChildren();
    bar.value = 0;
    say('Sending the file…');
    var xhr = new XMLHttpRequest();
    xhr.open('POST', form.action);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.addEventListener('progress', function (p) {
      if (!p.lengthComputable) return;
      bar.value = Math.round((p.loaded / p.total) * 90);
      say('Sending the file: ' + bar.value + '%');
    });
    xhr.upload.addEventListener('load', function () {
      bar.value = 95;
      say('Checking and importing each line…');
    });
    xhr.addEventListener('load', function () {
      button.disabled = false;
      var report = null;
      try { report = JSON.parse(xhr.responseText); } catch (err) { report = null; }
      if (!report) { say('Not imported: the server did not answer. Reload the page.'); return; }
      if (report.imported === undefined) { say('Not imported: ' + (report.detail || report.title)); return; }
      bar.value = 100;
      say(report.imported + ' entr(ies) imported; ' + report.refused + ' line(s) refused.');
      (report.problems || []).forEach(function (p) {
        var li = document.createElement('li');
        li.textContent = 'Line ' + p.line + ': ' + p.reason;
        problems.appendChild(li);
      });
      if (report.more > 0) {
        var li = document.createElement('li');
        li.textContent = '… and ' + report.more + ' more.';
        problems.appendChild(li);
      }
    });
    xhr.addEventListener('error', function () {
      button.disabled = false;
      say('Not imported: the connection failed. Try again.');
    });
    xhr.send(new FormData(form));
  });
})();
