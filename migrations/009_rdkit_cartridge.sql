-- The RDKit cartridge, where the server has it (Debian: postgresql-15-rdkit; scripts/postgres.mjs
-- installs it with PostgreSQL). With it, substructure and similarity searches run in the database;
-- without it (PGlite, or a server without the package) they run in the REST server's process, so
-- this migration must succeed either way. A server that gains the package after this migration ran
-- keeps the in-process path until an administrator runs the two statements below by hand.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'rdkit') THEN
    CREATE EXTENSION IF NOT EXISTS rdkit;
    -- mol_from_smiles is IMMUTABLE in the cartridge (checked on 202209), so the structure can be
    -- indexed as an expression: no extra column, and the table stays the same on both databases
    -- (backups, PGlite). A SMILES the cartridge cannot read is indexed as NULL and never matches.
    CREATE INDEX IF NOT EXISTS molecules_structure_idx ON molecules
      USING gist (mol_from_smiles(smiles::cstring));
  END IF;
END
$$;
