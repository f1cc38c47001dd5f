// "Save my name and email in this browser for the next time I comment": only
// when the reader ticks the box (off by default). Without it nothing is
// stored, and unticking it forgets what an earlier comment stored.
(function () {
  "use strict";
  var KEY = "wagtail-dvt-commenter";

  function storage() {
    try {
      return window.localStorage;
    } catch (error) {
      return null; // Storage disabled: the form works, remembering nothing.
    }
  }

  document.querySelectorAll("input[data-dvt-remember]").forEach(function (box) {
    var form = box.form;
    var store = storage();
    if (!form || !store) return;
    var name = form.elements.author_name;
    var email = form.elements.email;
    var saved = null;
    try {
      saved = JSON.parse(store.getItem(KEY));
    } catch (error) {
      saved = null;
    }
    if (saved) {
      if (!name.value) name.value = saved.name || "";
      if (!email.value) email.value = saved.email || "";
      box.checked = true;
    }
    form.addEventListener("submit", function () {
      if (box.checked) {
        store.setItem(KEY, JSON.stringify({ name: name.value, email: email.value }));
      } else {
        store.removeItem(KEY);
      }
    });
  });
})();
