"""Native RDKit anchor for bench/featurize.mjs: the same molecules, the same work, one core.

Reads SMILES (one per line) from the file given, prints JSON with molecules per second for
(parse + RDKit Properties descriptors) and (parse + Morgan radius 2, 2048 bits).
"""

import json
import sys
import time

from rdkit import Chem, RDLogger, rdBase
from rdkit.Chem import rdFingerprintGenerator, rdMolDescriptors


def rate(smiles, work):
    start = time.perf_counter()
    for s in smiles:
        work(Chem.MolFromSmiles(s))
    return len(smiles) / (time.perf_counter() - start)


def main():
    RDLogger.DisableLog("rdApp.*")
    smiles = [line.strip() for line in open(sys.argv[1]) if line.strip()]
    properties = rdMolDescriptors.Properties()
    generator = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    rate(smiles[:200], properties.ComputeProperties)  # warm-up
    print(
        json.dumps(
            {
                "rdkitVersion": rdBase.rdkitVersion,
                "descriptorsPerSecond": rate(smiles, properties.ComputeProperties),
                "morganPerSecond": rate(smiles, generator.GetFingerprint),
            }
        )
    )


if __name__ == "__main__":
    main()
