import { Clipboard } from '@jupyterlab/apputils';
import { h } from './dom';

/** A button that copies `text()` to the system clipboard and says so briefly. */
export function copyButton(label: string, text: () => string, title: string): HTMLButtonElement {
  const button = h(
    'button',
    { className: 'jp-cryoprotect-Button', title, attrs: { type: 'button' } },
    label
  );
  let timer: number | undefined;
  button.addEventListener('click', event => {
    event.stopPropagation();
    Clipboard.copyToSystem(text());
    button.textContent = 'Copied';
    window.clearTimeout(timer);
    timer = window.setTimeout(() => {
      button.textContent = label;
    }, 1200);
  });
  return button;
}
