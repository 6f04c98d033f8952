import type {
  Molecule,
  MoleculeRegistration,
  RegistrationResult,
  StandardizedMolecule,
  Visibility
} from '@cryoprotect/kernel';

/** What the structure field holds, read the way the kernel reads it. */
export type StructureFormat = 'smiles' | 'molblock' | 'inchi';

/** SMILES, MOL block or InChI, as kernel-lib's `standardize` tells them apart. */
export function formatOf(text: string): StructureFormat {
  if (/^\s*InChI=/i.test(text)) {
    return 'inchi';
  }
  return /M\s+END/.test(text) ? 'molblock' : 'smiles';
}

/**
 * The structure to send: SMILES and InChI trimmed; a MOL block kept line for line (its first
 * three lines are a header that may be blank, so trimming would shift the counts line).
 */
export function cleanStructure(text: string): string {
  return formatOf(text) === 'molblock' ? text.replace(/\s+$/, '') + '\n' : text.trim();
}

/** The standardization of the structure as typed or drawn, or why there is none. */
export type StructureCheck =
  | { state: 'empty' }
  | { state: 'invalid'; message: string }
  | { state: 'valid'; standardized: StandardizedMolecule };

/** Who may see a record, in words. */
export function audienceOf(
  molecule: Pick<Molecule, 'visibility' | 'ownerId' | 'projectId'>,
  me: { id: string; username: string } | null,
  projectName?: string
): string {
  const owner = me && molecule.ownerId === me.id ? 'you' : 'another user';
  switch (molecule.visibility) {
    case 'public':
      return `owned by ${owner}; public: everyone may see it`;
    case 'project':
      return `owned by ${owner}; shared with the members of project ${projectName ?? molecule.projectId ?? '?'}`;
    default:
      return `owned by ${owner}; private: only its owner may see it`;
  }
}

/** The registration status line for a standardized structure. */
export function registrationStatus(
  registration: MoleculeRegistration,
  me: { id: string; username: string } | null,
  projectName?: string
): string {
  if (registration.molecule) {
    const m = registration.molecule;
    return `Already registered as ${m.name ?? m.smiles} (${m.id}), ${audienceOf(m, me, projectName)}.`;
  }
  if (registration.registered) {
    return 'Already registered by someone else, who has not shared it with you: registering it again is refused; ask its owner to share it.';
  }
  return 'Not registered yet.';
}

/** What a successful registration did, in words. */
export function registrationOutcome(result: RegistrationResult): string {
  const m = result.molecule;
  const name = m.name ?? m.smiles;
  const head = result.duplicate
    ? `Already registered as ${name} (${m.id}); nothing new was written.`
    : `Registered ${name} as ${m.id} (${m.visibility}).`;
  const notes = [
    result.nameOutcome && result.nameOutcome.outcome !== 'name' ? result.nameOutcome.reason : '',
    result.neutralized ? 'Charges were neutralized.' : '',
    m.strippedFragments.length > 0 ? `Stripped: ${m.strippedFragments.join(', ')}.` : ''
  ].filter(Boolean);
  return [head, ...notes].join(' ');
}

/** The register form, as the user filled it in. */
export interface IRegisterForm {
  structure: string;
  name: string;
  visibility: Visibility;
  projectId: string;
}

/** Field → message for what the form cannot send; empty when it can. */
export function formProblems(form: IRegisterForm, check: StructureCheck): Map<string, string> {
  const problems = new Map<string, string>();
  if (check.state === 'empty') {
    problems.set('structure', 'draw a structure or type a SMILES, MOL block or InChI');
  } else if (check.state === 'invalid') {
    problems.set('structure', check.message);
  }
  if (form.name.length > 500) {
    problems.set('name', `at most 500 characters (${form.name.length} given)`);
  }
  if (form.visibility === 'project' && form.projectId === '') {
    problems.set('projectId', 'choose the project to share with (visibility "project")');
  }
  return problems;
}

/** The request body of POST /api/molecules for the form. */
export function registerBody(form: IRegisterForm): {
  structure: string;
  name?: string;
  visibility: Visibility;
  projectId?: string;
} {
  return {
    structure: cleanStructure(form.structure),
    ...(form.name.trim() ? { name: form.name.trim() } : {}),
    visibility: form.visibility,
    ...(form.visibility === 'project' ? { projectId: form.projectId } : {})
  };
}

/**
 * The form field a server problem concerns: `body.structure` → structure, `body.projectId` →
 * projectId; anything else (or no path) is the form's.
 */
export function fieldOfPath(path: string): string {
  const match = /^body\.(structure|name|visibility|projectId)\b/.exec(path);
  return match ? match[1] : 'form';
}

/**
 * The notebook code that re-does what the editor shows: the structure as typed or drawn,
 * standardized and displayed by the kernel; when it is registered, the record loaded by id.
 */
export function editorCode(structure: string, name: string, registeredId?: string): string {
  const literal = JSON.stringify(cleanStructure(structure));
  const nameOption = name.trim() ? `, { name: ${JSON.stringify(name.trim())} }` : '';
  const lines = [
    "import { moleculeDisplay, standardize } from '@cryoprotect/kernel';",
    registeredId
      ? "import { clientFromEnvironment, tslabDisplay } from '@cryoprotect/kernel/node';"
      : "import { tslabDisplay } from '@cryoprotect/kernel/node';",
    '',
    `const structure = ${literal};`,
    'const standardized = await standardize(structure);',
    'console.log(`parent ${standardized.smiles}  InChIKey ${standardized.inchikey}`);',
    `await tslabDisplay(await moleculeDisplay(structure${nameOption}));`
  ];
  if (registeredId) {
    lines.push(
      '',
      '// The registered record (through the server that JupyterLab was started with).',
      `const molecule = await clientFromEnvironment().getMolecule(${JSON.stringify(registeredId)});`,
      'await tslabDisplay(await moleculeDisplay(molecule));'
    );
  }
  return lines.join('\n');
}
