// indigo-ketcher ships no type declarations; chemistry/indigo-types.ts types what is used.
declare module 'indigo-ketcher/jsNoRender';
declare module 'indigo-ketcher/binaryWasmNoRender';
