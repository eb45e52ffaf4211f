// Workflow designer: show only the settings that apply to each step's kind (审批 or 公示).
// Without this script every setting shows, labelled with the kind it applies to; the server
// ignores the ones that do not apply, so nothing here is needed for the form to work.
(function () {
  "use strict";

  function update(step) {
    var select = step.querySelector("select.wf-kind");
    if (!select) {
      return;
    }
    step.setAttribute("data-kind", select.value);
    step.querySelectorAll(".wf-kind-group").forEach(function (group) {
      group.hidden = group.getAttribute("data-for-kind") !== select.value;
    });
  }

  function start() {
    var steps = document.querySelectorAll(".wf-step-fields");
    steps.forEach(function (step) {
      step.classList.add("wf-enhanced");
      update(step);
      var select = step.querySelector("select.wf-kind");
      if (select) {
        select.addEventListener("change", function () { update(step); });
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
