// The console's live preview (issue 22): while a sender writes, how each recipient will
// get the message and why — asked of the server, whose policy engine decides it exactly
// as the review (and the API) will. Without script nothing is lost: the review after
// "Review before sending" says the same. Text from the server goes in as text only.
(function () {
  'use strict';
  var form = document.querySelector('form[data-preview]');
  if (!form || !window.fetch) return;
  var section = document.getElementById('preview');
  var list = document.getElementById('preview-list');
  var timer = null;
  var asked = 0;

  function body() {
    var p = new URLSearchParams();
    p.set('csrf', form.elements.csrf.value);
    ['to', 'cc', 'bcc', 'subject', 'text'].forEach(function (name) {
      p.set(name, form.elements[name].value);
    });
    if (form.elements.no_tls_only.checked) p.set('no_tls_only', 'yes');
    return p;
  }

  function item(strong, rest) {
    var li = document.createElement('li');
    var b = document.createElement('strong');
    b.textContent = strong;
    li.appendChild(b);
    li.appendChild(document.createTextNode(rest));
    return li;
  }

  function show(plan) {
    list.replaceChildren();
    (plan.recipients || []).forEach(function (r) {
      var li = item(r.address, ': ' + r.how);
      if (r.why) {
        var why = document.createElement('span');
        why.className = 'hint';
        why.textContent = ' (' + r.why + ')';
        li.appendChild(why);
      }
      list.appendChild(li);
    });
    (plan.problems || []).forEach(function (p) { list.appendChild(item('Not yet: ', p)); });
    if (plan.refused) list.appendChild(item('It cannot be sent: ', plan.refused));
    section.hidden = list.childElementCount === 0;
  }

  function ask() {
    var mine = ++asked;
    fetch(form.dataset.preview, {
      method: 'POST',
      body: body(),
      credentials: 'same-origin',
      headers: { Accept: 'application/json' }
    }).then(function (r) {
      return r.ok ? r.json() : null;
    }).then(function (plan) {
      if (plan && mine === asked) show(plan);
    }).catch(function () { /* the review says it all the same */ });
  }

  form.addEventListener('input', function (e) {
    if (e.target.type === 'file') return;
    clearTimeout(timer);
    timer = setTimeout(ask, 400);
  });
  if (form.elements.to.value) ask();
})();
