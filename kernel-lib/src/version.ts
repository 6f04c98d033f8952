/** Version of @cryoprotect/kernel, recorded with every computed value and model. */
export const KERNEL_VERSION = '0.1.0';
