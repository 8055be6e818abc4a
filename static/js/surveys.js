// Surveys: show and hide conditional questions in place as people answer.
// Without JavaScript every conditional question on the page is shown with a note saying
// when to answer it, and the server discards answers that do not apply.
const form = document.querySelector("[data-survey-form]");

if (form) {
  const targets = Array.from(form.querySelectorAll("[data-show-if-field]"));

  const isHidden = (element) => element.closest("[hidden]") !== null;

  const chosenValues = (name) =>
    Array.from(form.elements)
      .filter((input) => input.name === name && !isHidden(input))
      .filter((input) => (input.type === "radio" || input.type === "checkbox" ? input.checked : true))
      .map((input) => input.value);

  const update = () => {
    // Document order matters: a question hidden earlier counts as unanswered for the
    // questions that depend on it, which is how chains of conditions work.
    for (const target of targets) {
      const wanted = target.dataset.showIfValues.split(" ").filter(Boolean);
      const chosen = chosenValues(target.dataset.showIfField);
      target.hidden = !chosen.some((value) => wanted.includes(value));
    }
  };

  for (const note of form.querySelectorAll(".tl-survey-question__condition")) {
    note.hidden = true;
  }
  form.addEventListener("change", update);
  update();
}
