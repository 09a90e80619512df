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
