// The query form: panels of concepts (OR within a panel, AND across panels), age, sex and the breakdowns wanted.

export function setupForm({ form, panels, template, addButton, onSubmit }) {
  const addPanel = (concepts = "") => {
    const panel = template.content.firstElementChild.cloneNode(true);
    panel.querySelector(".concepts").value = concepts;
    panel.querySelector(".remove-panel").addEventListener("click", () => {
      if (panels.children.length > 1) panel.remove();
      renumber();
    });
    panels.append(panel);
    renumber();
    return panel;
  };
  const renumber = () => {
    [...panels.children].forEach((p, i) => {
      p.querySelector("legend").textContent = i === 0 ? "Patients with any of" : "and any of";
    });
  };
  addButton.addEventListener("click", () => addPanel().querySelector(".concepts").focus());
  addPanel("dx:E11.9");

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    onSubmit(readDefinition(form, panels));
  });
}

const number = (input) => (input.value.trim() === "" ? undefined : Number(input.value));

function readDefinition(form, panels) {
  const definition = {
    panels: [...panels.children]
      .map((p) => ({
        concepts: p
          .querySelector(".concepts")
          .value.split(/[\s,]+/)
          .filter(Boolean),
        not: p.querySelector(".not").checked || undefined,
      }))
      .filter((p) => p.concepts.length > 0),
  };
  const min = number(form.querySelector("#age-min"));
  const max = number(form.querySelector("#age-max"));
  if (min !== undefined || max !== undefined) definition.age = { min, max };
  const sex = form.querySelector("#sex").value;
  if (sex) definition.sex = sex;
  const breakdowns = [...form.querySelectorAll('input[name="breakdown"]:checked')].map((box) => box.value);
  if (breakdowns.length > 0) definition.breakdowns = breakdowns;
  return definition;
}
