// Reads the chosen .amexist.json file into the form's text area, so that a person can upload
// it; nothing leaves the page until the form is sent. Without JavaScript, pasting still works.
document.addEventListener("DOMContentLoaded", function () {
  var input = document.getElementById("file");
  var area = document.getElementById("document");
  if (!input || !area) { return; }
  input.hidden = false;
  document.getElementById("file-label").hidden = false;
  input.addEventListener("change", function () {
    var file = input.files && input.files[0];
    if (!file) { return; }
    if (file.size > 65536) { area.value = ""; input.setCustomValidity("64 KiB max."); input.reportValidity(); return; }
    input.setCustomValidity("");
    file.text().then(function (text) { area.value = text.trim(); });
  });
});
