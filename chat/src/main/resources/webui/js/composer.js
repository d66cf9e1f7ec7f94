// The box a question is typed in: Enter (or the form's button) sends it, Shift+Enter starts a new line.

export function onSend(form, input, send) {
  form.addEventListener('submit', event => {
    event.preventDefault();
    send();
  });
  input.addEventListener('keydown', event => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send();
    }
  });
}
