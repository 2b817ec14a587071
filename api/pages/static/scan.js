// The scan field: a barcode scanner types the GS1 string and Enter. Enter reads the code
// (/scan.json, the same parser as the API) instead of submitting: product, lot and expiry
// are shown and the product chosen; a bad check digit is shown next to the field. Without
// JavaScript the form is submitted and the server reads the same field.
(function () {
  "use strict";
  document.querySelectorAll("[data-scan-input]").forEach(function (input) {
    var error = document.getElementById(input.id + "-scan-error");
    var result = document.getElementById(input.id + "-scan-result");
    input.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || !/^[(\]]|^\d{16,}/.test(input.value.trim())) return;
      event.preventDefault();
      fetch("/scan.json?code=" + encodeURIComponent(input.value.trim()), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (found) {
          if (found.error) {
            error.textContent = found.error; error.hidden = false; result.textContent = "";
            input.setAttribute("aria-invalid", "true");
            return;
          }
          error.hidden = true; input.removeAttribute("aria-invalid");
          result.textContent = found.summary;
          var product = document.getElementById("product");
          if (product && found.product_id) product.value = String(found.product_id);
        });
    });
  });
})();
