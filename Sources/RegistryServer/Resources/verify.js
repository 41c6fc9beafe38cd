// Reads the chosen file into the form, so that a person can upload it; nothing leaves the page
// until the form is sent. A bundle goes into the text area; a PDF, being binary, goes base64 into
// the hidden "pdf" field. Without JavaScript, pasting a bundle still works.
document.addEventListener("DOMContentLoaded", function () {
  var input = document.getElementById("file");
  var area = document.getElementById("document");
  var pdf = document.getElementById("pdf");
  if (!input || !area || !pdf) { return; }
  input.hidden = false;
  document.getElementById("file-label").hidden = false;
  input.addEventListener("change", function () {
    var file = input.files && input.files[0];
    if (!file) { return; }
    var isPDF = file.type === "application/pdf" || /\.pdf$/i.test(file.name);
    var limit = isPDF ? 131072 : 65536;
    if (file.size > limit) {
      area.value = ""; pdf.value = "";
      input.setCustomValidity((limit / 1024) + " KiB max."); input.reportValidity(); return;
    }
    input.setCustomValidity("");
    if (isPDF) {
      file.arrayBuffer().then(function (buffer) {
        var bytes = new Uint8Array(buffer), binary = "";
        for (var i = 0; i < bytes.length; i++) { binary += String.fromCharCode(bytes[i]); }
        pdf.value = btoa(binary);
        area.value = ""; area.required = false; area.placeholder = file.name;
      });
    } else {
      pdf.value = ""; area.required = true; area.placeholder = "";
      file.text().then(function (text) { area.value = text.trim(); });
    }
  });
});
