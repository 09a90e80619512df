// Small progressive enhancement only: pages work without it.
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
  // refuse an oversized evidence file before sending it (the server checks again)
  const maxMb = Number(form.dataset.maxMb || 0);
  const input = form.querySelector("input[type=file]");
  if (maxMb && input && input.files.length && input.files[0].size > maxMb * 1024 * 1024) {
    event.preventDefault();
    let note = form.querySelector(".flash.error");
    if (!note) {
      note = document.createElement("p");
      note.className = "flash error";
      note.setAttribute("role", "alert");
      form.prepend(note);
    }
    note.textContent = `Tệp quá lớn: dung lượng tối đa là ${maxMb} MB.`;
  }
});

// Phones stack table rows (style.css); each cell keeps its column's name beside its value.
function labelCells(table) {
  const heads = table.tHead && table.tHead.rows.length ? table.tHead.rows[table.tHead.rows.length - 1].cells : null;
  if (!heads) return;
  const names = [];
  for (const th of heads) for (let i = 0; i < th.colSpan; i++) names.push(th.textContent.trim());
  for (const body of table.tBodies) {
    for (const row of body.rows) {
      let col = 0;
      for (const cell of row.cells) {
        if (cell.tagName === "TD" && !cell.dataset.label && names[col] && cell.colSpan === 1) cell.dataset.label = names[col];
        col += cell.colSpan;
      }
    }
  }
}
document.addEventListener("DOMContentLoaded", () => document.querySelectorAll("table.grid").forEach(labelCells));

// "Sao chép": an agency's link into the clipboard (the office pastes it into Zalo). The clipboard
// API needs https or localhost; elsewhere the field is selected and copied the old way.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const field = document.getElementById(button.dataset.copy);
  if (!field) return;
  let copied = false;
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(field.value);
      copied = true;
    }
  } catch (_) { copied = false; }
  if (!copied) {
    field.focus();
    field.select();
    try { copied = document.execCommand("copy"); } catch (_) { copied = false; }
  }
  const label = button.dataset.label || button.textContent;
  button.dataset.label = label;
  button.textContent = copied ? "Đã sao chép" : "Hãy nhấn giữ để sao chép";
  setTimeout(() => { button.textContent = label; }, 2500);
});
