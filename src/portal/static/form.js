// Secure forms (issue 24): one step at a time, and the proof of work the server asks
// for, worked out in the background while the person fills the form in. Without this
// script the form still works: every step shows, one under another, and the server holds
// such submissions to a tighter budget.
(function () {
  'use strict';
  var form = document.getElementById('secure-form');
  if (!form) return;
  var status = document.getElementById('form-status');
  var send = document.getElementById('form-send');
  var nonce = document.getElementById('nonce');
  // A secure request's page (reached by its secret link) asks for no proof of work.
  var field = form.elements['sp-challenge'];
  var challenge = field ? field.value : null;
  var bits = challenge ? parseInt(challenge.split('.')[2], 10) || 0 : 0;

  function leadingZeroBits(bytes) {
    var n = 0;
    for (var i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0) { n += 8; continue; }
      for (var b = 7; b >= 0 && !(bytes[i] & (1 << b)); b--) n++;
      break;
    }
    return n;
  }

  // The first nonce whose SHA-256(challenge ":" nonce) starts with `bits` zero bits,
  // tried a batch at a time (each digest is asynchronous).
  var encoder = new TextEncoder();
  var solving = !challenge ? Promise.resolve() : (async function () {
    var batch = 512;
    for (var start = 0; ; start += batch) {
      var tries = [];
      for (var n = start; n < start + batch; n++) {
        tries.push(crypto.subtle.digest('SHA-256', encoder.encode(challenge + ':' + n)));
      }
      var digests = await Promise.all(tries);
      for (var i = 0; i < digests.length; i++) {
        if (leadingZeroBits(new Uint8Array(digests[i])) >= bits) {
          nonce.value = String(start + i);
          return;
        }
      }
    }
  })();

  var steps = Array.prototype.slice.call(form.querySelectorAll('fieldset.step'));
  var current = 0;

  function show(index, focus) {
    current = index;
    steps.forEach(function (step, i) { step.hidden = i !== index; });
    send.hidden = index !== steps.length - 1;
    if (focus) {
      var legend = steps[index].querySelector('legend');
      legend.setAttribute('tabindex', '-1');
      legend.focus();
    }
  }

  // The step's own fields, checked as the browser checks them on sending.
  function stepValid(step) {
    var fields = step.querySelectorAll('input, select, textarea');
    for (var i = 0; i < fields.length; i++) {
      if (!fields[i].checkValidity()) {
        fields[i].reportValidity();
        return false;
      }
    }
    return true;
  }

  function stepOf(element) {
    for (var i = 0; i < steps.length; i++) {
      if (steps[i].contains(element)) return i;
    }
    return -1;
  }

  if (steps.length > 1) {
    steps.forEach(function (step, i) {
      var nav = document.createElement('div');
      nav.className = 'step-nav';
      if (i > 0) {
        var back = document.createElement('button');
        back.type = 'button';
        back.className = 'secondary';
        back.textContent = 'Back';
        back.addEventListener('click', function () { show(i - 1, true); });
        nav.appendChild(back);
      }
      if (i < steps.length - 1) {
        var next = document.createElement('button');
        next.type = 'button';
        next.textContent = 'Next';
        next.addEventListener('click', function () {
          if (stepValid(step)) show(i + 1, true);
        });
        nav.appendChild(next);
      }
      step.appendChild(nav);
    });
    // Sent back with problems: the first step that has one.
    var first = 0;
    for (var i = 0; i < steps.length; i++) {
      if (steps[i].getAttribute('data-problem') === 'yes') { first = i; break; }
    }
    show(first, false);
    // The summary's links lead into steps that may be hidden.
    Array.prototype.forEach.call(document.querySelectorAll('.problems a'), function (a) {
      a.addEventListener('click', function (e) {
        var target = document.getElementById(a.getAttribute('href').slice(1));
        var index = target ? stepOf(target) : -1;
        if (index < 0) return;
        e.preventDefault();
        show(index, false);
        target.focus();
      });
    });
  }
  var summary = document.getElementById('form-error');
  if (summary) summary.focus();

  // The browser checks every field before it sends, and cannot show one in a hidden
  // step (a step edited after it was left): that step is shown first.
  send.addEventListener('click', function (e) {
    if (steps.length < 2) return;
    for (var i = 0; i < steps.length; i++) {
      if (i !== current && steps[i].querySelector(':invalid')) {
        e.preventDefault();
        show(i, false);
        stepValid(steps[i]);
        return;
      }
    }
  });

  form.addEventListener('submit', function (e) {
    send.disabled = true;  // one click, one submission
    if (!challenge || nonce.value) {
      status.textContent = 'Sending securely…';
      return;
    }
    e.preventDefault();
    status.textContent = 'Checking the form before it is sent…';
    solving.then(function () {
      status.textContent = 'Sending securely…';
      form.submit();
    });
  });
})();
