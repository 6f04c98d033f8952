/**
 * Feature flags for the riskier features, so an operator can turn one off (or a new one on for a
 * staging deployment first) without a release: `CRYOPROTECT_FEATURES="screens=off"`. The flags in
 * force are shown by `GET /health`.
 */
export const FEATURES = {
  screens: {
    default: true,
    description:
      'virtual screens: new screens are accepted (off: 503; screens already created are still uploaded, scored and read)'
  },
  'wasm-similarity': {
    default: true,
    description:
      'similarity search scans fingerprints with the WebAssembly kernel (off: the JavaScript kernel, same hits, slower on large libraries)'
  }
} as const satisfies Record<string, { default: boolean; description: string }>;

export type FeatureName = keyof typeof FEATURES;
export type FeatureFlags = Record<FeatureName, boolean>;

const ON = new Set(['on', 'true', '1']);
const OFF = new Set(['off', 'false', '0']);

/**
 * Parse `name=on,name=off`; names and values are checked, so a typo is an error at start rather
 * than a flag silently left at its default. Returns the problems, each naming the entry.
 */
export function parseFeatures(value: string | undefined): {
  flags: FeatureFlags;
  problems: string[];
} {
  const flags = Object.fromEntries(
    Object.entries(FEATURES).map(([name, feature]) => [name, feature.default])
  ) as FeatureFlags;
  const problems: string[] = [];
  for (const entry of (value ?? '')
    .split(',')
    .map(e => e.trim())
    .filter(Boolean)) {
    const [name, setting, ...rest] = entry.split('=').map(part => part.trim());
    if (!(name in FEATURES)) {
      problems.push(`"${name}" is not a feature (known: ${Object.keys(FEATURES).join(', ')})`);
    } else if (rest.length > 0 || setting === undefined || !(ON.has(setting) || OFF.has(setting))) {
      problems.push(`"${entry}" must be ${name}=on or ${name}=off`);
    } else {
      flags[name as FeatureName] = ON.has(setting);
    }
  }
  return { flags, problems };
}
