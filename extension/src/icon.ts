import { LabIcon } from '@jupyterlab/ui-components';

/** A benzene-like ring: the mark of CryoProtect's cards and commands (theme-coloured). */
export const cryoprotectIcon = new LabIcon({
  name: 'cryoprotect:ring',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="16">' +
    '<g class="jp-icon3" fill="none" stroke="#616161" stroke-width="1.6">' +
    '<path d="M12 3 L19.8 7.5 L19.8 16.5 L12 21 L4.2 16.5 L4.2 7.5 Z"/>' +
    '<circle cx="12" cy="12" r="4"/></g></svg>'
});
